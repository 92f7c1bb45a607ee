import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage, query } from '../api/client.ts';
import type { Page, Role, RoleMember, ScopeWithResource, User } from '../api/types.ts';
import { AddResourceScopesDialog } from '../applications/PermissionsTab.tsx';
import { useApi } from '../auth/session.tsx';
import { Link, navigate } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { DangerAction, DangerZone } from '../ui/danger-zone.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { TextArea, TextField } from '../ui/fields.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { SearchBox } from '../ui/search-box.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

export function RoleDetailsPage({ id }: { id: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/roles/${encodeURIComponent(id)}`;
  const role = useLoad(() => api<Role>('GET', path), [path]);
  const members = useLoad(() => api<Page<RoleMember>>('GET', `${path}/users${query({ limit: 100 })}`), [path]);
  const [dialog, setDialog] = useState<'scopes' | 'members' | 'delete'>();
  const [removingScope, setRemovingScope] = useState<ScopeWithResource>();
  const [removingMember, setRemovingMember] = useState<RoleMember>();
  const [name, setName] = useState<string>();
  const [description, setDescription] = useState<string>();
  const [errors, setErrors] = useState<Record<string, string>>({});

  if (role.loading && !role.data) return <Loading />;
  if (role.error || !role.data) return <><p><Link to="/roles">← Roles</Link></p><ErrorState message={role.error ?? ''} onRetry={role.reload} /></>;
  const current = role.data;

  /** A change whose failure the confirming dialog shows. */
  const change = async (work: () => Promise<unknown>, done: string) => {
    await work();
    toast(done);
    role.reload();
    members.reload();
  };
  const act = (work: () => Promise<unknown>, done: string) => change(work, done).catch((e: unknown) => toast(errorMessage(e), 'error'));
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    try {
      role.set(await api<Role>('PATCH', path, { name: name ?? current.name, description: description ?? current.description }));
      setName(undefined);
      setDescription(undefined);
      toast('Role saved');
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) setErrors(e.fieldErrors());
      else toast(errorMessage(e), 'error');
    }
  };

  return (
    <section aria-labelledby="role-title">
      <p><Link to="/roles">← Roles</Link></p>
      <PageHeader id="role-title" title={current.name} />
      <form className="card" onSubmit={save} noValidate aria-labelledby="role-general">
        <h2 id="role-general">General</h2>
        <TextField label="Role name" value={name ?? current.name} onChange={(e) => setName(e.target.value)} error={errors['/name']} />
        <TextArea label="Description" value={description ?? current.description} onChange={(e) => setDescription(e.target.value)} error={errors['/description']} />
        <div className="form-actions"><button type="submit" disabled={name === undefined && description === undefined}>Save changes</button></div>
      </form>
      <section className="card" aria-labelledby="role-scopes-title">
        <div className="section-header">
          <h2 id="role-scopes-title">Scopes</h2>
          <button type="button" onClick={() => setDialog('scopes')}>Add scopes</button>
        </div>
        {current.scopes.length === 0 ? <EmptyState title="This role gives no scopes yet" /> : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Scopes of the role</caption>
              <thead><tr><th scope="col">Scope</th><th scope="col">API resource</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {current.scopes.map((s) => (
                  <tr key={s.id}>
                    <td className="mono">{s.name}{s.description && <div className="muted small-text">{s.description}</div>}</td>
                    <td>{s.resource_name}</td>
                    <td><button type="button" className="secondary small" aria-label={`Remove scope ${s.name}`} onClick={() => setRemovingScope(s)}>Remove</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="members-title">
        <div className="section-header">
          <h2 id="members-title">Members</h2>
          <button type="button" onClick={() => setDialog('members')}>Add members</button>
        </div>
        {members.loading && !members.data ? <Loading /> : members.error ? <ErrorState message={members.error} onRetry={members.reload} /> : members.data?.data.length === 0 ? (
          <EmptyState title="Nobody has this role yet" />
        ) : (
          <ul className="chip-list">
            {members.data?.data.map((u) => (
              <li key={u.id} className="chip">
                <Link to={`/users/${encodeURIComponent(u.id)}`}>{u.name || u.username}</Link>
                <button type="button" className="icon-button" aria-label={`Remove ${u.username} from the role`} onClick={() => setRemovingMember(u)}>×</button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <AddResourceScopesDialog
        title="Add scopes to the role"
        open={dialog === 'scopes'}
        onClose={() => setDialog(undefined)}
        have={new Set(current.scopes.map((s) => s.id))}
        onAdd={async (ids) => { await api('POST', `${path}/scopes`, { scope_ids: ids }); role.reload(); toast('Scopes added'); }}
      />
      <Dialog title="Add members" open={dialog === 'members'} onClose={() => setDialog(undefined)}>
        {dialog === 'members' && (
          <MemberPicker
            have={new Set(members.data?.data.map((u) => u.id))}
            onPick={(user) => act(() => api('POST', `${path}/users`, { user_ids: [user.id] }), `${user.username} now has the role`)}
          />
        )}
      </Dialog>
      <DangerZone>
        <DangerAction title="Delete this role" action={<button type="button" className="danger" onClick={() => setDialog('delete')}>Delete role</button>}>
          Its members lose the scopes it gives them, unless another of their roles gives them too. This cannot be undone.
        </DangerAction>
      </DangerZone>
      <ConfirmDialog title="Remove scope" open={!!removingScope} onClose={() => setRemovingScope(undefined)} onConfirm={() => change(() => api('DELETE', `${path}/scopes/${encodeURIComponent(removingScope!.id)}`), `Scope ${removingScope!.name} removed`)} confirmLabel="Remove scope">
        <p>
          Members of <strong>{current.name}</strong> no longer get <strong className="mono">{removingScope?.name}</strong> through
          it: tokens issued from now on leave it out. Tokens already issued keep it until they expire.
        </p>
      </ConfirmDialog>
      <ConfirmDialog title="Remove member" open={!!removingMember} onClose={() => setRemovingMember(undefined)} onConfirm={() => change(() => api('DELETE', `${path}/users/${encodeURIComponent(removingMember!.id)}`), `${removingMember!.username} removed`)} confirmLabel="Remove member">
        <p>
          <strong>{removingMember?.username}</strong> loses the scopes <strong>{current.name}</strong> gives, unless another of
          their roles gives them too: tokens issued from now on leave them out.
        </p>
      </ConfirmDialog>
      <ConfirmDialog title="Delete role" open={dialog === 'delete'} onClose={() => setDialog(undefined)} onConfirm={async () => { await api('DELETE', path); toast(`Role ${current.name} deleted`); navigate('/roles', { force: true }); }} confirmLabel="Delete">
        <p>Its members lose the scopes it gives, at their next token. Delete <strong>{current.name}</strong>?</p>
      </ConfirmDialog>
    </section>
  );
}

function MemberPicker({ have, onPick }: { have: Set<string>; onPick: (user: User) => Promise<void> }) {
  const api = useApi();
  const [q, setQ] = useState('');
  const users = useLoad(() => api<Page<User>>('GET', `/users${query({ q, limit: 10 })}`), [q]);
  return (
    <>
      <SearchBox label="Search users" value={q} onSearch={setQ} />
      {users.loading && !users.data ? <Loading /> : users.error ? <ErrorState message={users.error} /> : users.data?.data.length === 0 ? <EmptyState title="No user found" /> : (
        <ul className="picker-list">
          {users.data?.data.map((u) => (
            <li key={u.id}>
              <span>{u.name || u.username} <span className="muted small-text">{u.username}</span></span>
              {have.has(u.id)
                ? <span className="muted small-text">Member</span>
                : <button type="button" className="secondary small" aria-label={`Add ${u.username}`} onClick={() => onPick(u)}>Add</button>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
