import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, errorMessage, query } from '../api/client.ts';
import type { Lockout, Page, Role, User, UserGrant, UserRole } from '../api/types.ts';
import { formatDate, userScopeDescriptions } from '../applications/app-types.ts';
import { useApi, useSession } from '../auth/session.tsx';
import { Link, navigate, useUnsavedChangesGuard } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { Checkbox, FormError, TextField } from '../ui/fields.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';
import { UserFactors } from './UserFactors.tsx';

export function UserDetailsPage({ id }: { id: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/users/${encodeURIComponent(id)}`;
  const user = useLoad(() => api<User>('GET', path), [path]);
  const [dialog, setDialog] = useState<'password' | 'delete' | 'suspend'>();

  if (user.loading && !user.data) return <Loading />;
  if (user.error || !user.data) return <><p><Link to="/users">← Users</Link></p><ErrorState message={user.error ?? ''} onRetry={user.reload} /></>;
  const current = user.data;

  const setSuspended = async (suspended: boolean) => {
    try {
      const next = await api<User>('POST', `${path}/${suspended ? 'suspend' : 'unsuspend'}`);
      if (next && typeof next === 'object' && 'id' in next) user.set(next);
      else user.reload();
      toast(suspended ? `${current.username} is suspended and signed out everywhere` : `${current.username} can sign in again`);
      setDialog(undefined);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  return (
    <section aria-labelledby="user-title">
      <p><Link to="/users">← Users</Link></p>
      <div className="page-header">
        <div>
          <h1 id="user-title">{current.name || current.username}</h1>
          <p className="badges">
            <span className="muted">{current.username}</span>
            {current.suspended ? <span className="badge badge-danger">Suspended</span> : <span className="badge">Active</span>}
            {current.is_admin && <span className="badge badge-accent">Admin</span>}
          </p>
        </div>
        <div className="button-row">
          <button type="button" className="secondary" onClick={() => setDialog('password')}>Reset password</button>
          {current.suspended
            ? <button type="button" className="secondary" onClick={() => setSuspended(false)}>Unsuspend</button>
            : <button type="button" className="secondary" onClick={() => setDialog('suspend')}>Suspend</button>}
          <button type="button" className="danger" onClick={() => setDialog('delete')}>Delete user</button>
        </div>
      </div>
      <LockoutNotice userId={current.id} username={current.username} />
      <ProfileForm user={current} onSaved={user.set} />
      <UserFactors userId={current.id} username={current.username} />
      <UserRoles userId={current.id} />
      <ConnectedApps userId={current.id} />
      <PasswordDialog open={dialog === 'password'} onClose={() => setDialog(undefined)} path={path} username={current.username} />
      <Dialog title="Suspend user" open={dialog === 'suspend'} onClose={() => setDialog(undefined)}>
        <p><strong>{current.username}</strong> is signed out of every app at once and cannot sign in until unsuspended.</p>
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={() => setDialog(undefined)}>Cancel</button>
          <button type="button" className="danger" onClick={() => setSuspended(true)}>Suspend</button>
        </div>
      </Dialog>
      <DeleteUserDialog open={dialog === 'delete'} onClose={() => setDialog(undefined)} path={path} username={current.username} />
    </section>
  );
}

/** While sign-in is blocked for this user (too many failed passwords), when it ends, and lifting it. */
function LockoutNotice({ userId, username }: { userId: string; username: string }) {
  const api = useApi();
  const toast = useToast();
  const lockouts = useLoad(() => api<{ data: Lockout[] }>('GET', `/lockouts${query({ user_id: userId })}`), [userId]);
  const [busy, setBusy] = useState(false);
  const blocks = lockouts.data?.data ?? [];
  if (!blocks.length) return null;
  const until = blocks.map((b) => b.blocked_until).sort().at(-1)!;
  const unlock = async () => {
    setBusy(true);
    try {
      await api('DELETE', `/users/${encodeURIComponent(userId)}/lockout`);
      toast(`${username} can sign in again`);
      lockouts.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  const whole = blocks.some((b) => b.policy === 'account');
  return (
    <div className="callout" role="status">
      <p><strong>Locked out until {formatDate(until)}</strong></p>
      <p className="muted">
        {whole
          ? 'Too many failed sign-ins from many places: browsers this user never signed in from are refused, the right password too.'
          : `Too many failed sign-ins from ${[...new Set(blocks.map((b) => b.ip).filter(Boolean))].join(', ') || 'one place'}: attempts from there are refused, the right password too.`}
      </p>
      <button type="button" className="secondary" disabled={busy} onClick={unlock}>Unlock</button>
    </div>
  );
}

const profileFields = ['username', 'email', 'name', 'given_name', 'family_name', 'phone_number'] as const;
type ProfileForm = Record<(typeof profileFields)[number], string> & { email_verified: boolean; is_admin: boolean };

function ProfileForm({ user, onSaved }: { user: User; onSaved: (u: User) => void }) {
  const api = useApi();
  const toast = useToast();
  const { user: me } = useSession();
  const initial = useMemo<ProfileForm>(() => ({
    username: user.username,
    email: user.email ?? '',
    name: user.name ?? '',
    given_name: user.given_name ?? '',
    family_name: user.family_name ?? '',
    phone_number: user.phone_number ?? '',
    email_verified: user.email_verified,
    is_admin: user.is_admin,
  }), [user]);
  const [form, setForm] = useState(initial);
  const { busy: saving, errors, formError, handle } = useFormSubmit();
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  useUnsavedChangesGuard(dirty);
  const set = (key: keyof ProfileForm, value: string | boolean) => setForm((f) => ({ ...f, [key]: value }));
  const submit = handle(async () => {
    const body: Record<string, unknown> = { email_verified: form.email_verified, is_admin: form.is_admin, username: form.username.trim() };
    for (const key of profileFields) if (key !== 'username') body[key] = form[key].trim() || null;
    const saved = await api<User>('PATCH', `/users/${encodeURIComponent(user.id)}`, body);
    onSaved(saved);
    setForm({ ...form });
    toast('Profile saved');
  });
  const labels: Record<(typeof profileFields)[number], string> = {
    username: 'Username', email: 'Email', name: 'Name', given_name: 'Given name', family_name: 'Family name', phone_number: 'Phone number',
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="profile-title" noValidate>
      <h2 id="profile-title">Profile</h2>
      <div className="grid-2">
        {profileFields.map((key) => (
          <TextField key={key} label={labels[key]} type={key === 'email' ? 'email' : key === 'phone_number' ? 'tel' : 'text'} value={form[key]} onChange={(e) => set(key, e.target.value)} error={errors[`/${key}`]} autoComplete="off" />
        ))}
      </div>
      <Checkbox label="Email verified" checked={form.email_verified} onChange={(e) => set('email_verified', e.target.checked)} />
      <Checkbox
        label="Admin"
        checked={form.is_admin}
        disabled={me.profile.sub === user.id && user.is_admin}
        onChange={(e) => set('is_admin', e.target.checked)}
        hint={me.profile.sub === user.id ? 'You cannot remove your own admin role here.' : 'Admins can sign in to this console and use the Management API.'}
      />
      <FormError message={formError} />
      <div className="form-actions">
        {dirty && <span className="muted">Unsaved changes</span>}
        <button type="button" className="secondary" disabled={!dirty || saving} onClick={() => setForm(initial)}>Discard</button>
        <button type="submit" disabled={!dirty || saving}>Save profile</button>
      </div>
    </form>
  );
}

function PasswordDialog({ open, onClose, path, username }: { open: boolean; onClose: () => void; path: string; username: string }) {
  const api = useApi();
  const toast = useToast();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const close = () => { setPassword(''); setError(undefined); onClose(); };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('PUT', `${path}/password`, { password });
      toast(`Password of ${username} changed; their sessions were ended`);
      close();
    } catch (e) {
      setError(e instanceof ApiError && e.fields[0] ? e.fields[0].detail : errorMessage(e));
    }
  };
  return (
    <Dialog title="Reset password" open={open} onClose={close}>
      <form onSubmit={submit}>
        <p>Setting a new password signs <strong>{username}</strong> out everywhere.</p>
        <TextField label="New password" type="password" autoComplete="new-password" minLength={8} required value={password} onChange={(e) => setPassword(e.target.value)} error={error} autoFocus />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={close}>Cancel</button>
          <button type="submit" disabled={password.length < 8}>Set password</button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteUserDialog({ open, onClose, path, username }: { open: boolean; onClose: () => void; path: string; username: string }) {
  const api = useApi();
  const toast = useToast();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('DELETE', path);
      toast(`${username} deleted`);
      onClose();
      navigate('/users', { force: true });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Dialog title="Delete user" open={open} onClose={() => { setTyped(''); onClose(); }}>
      <form onSubmit={submit}>
        <p>This deletes <strong>{username}</strong>, their grants, sessions and tokens. It cannot be undone.</p>
        <TextField label={`Type ${username} to confirm`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        <FormError message={error} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="danger" disabled={typed !== username}>Delete</button>
        </div>
      </form>
    </Dialog>
  );
}

function UserRoles({ userId }: { userId: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/users/${encodeURIComponent(userId)}/roles`;
  const roles = useLoad(() => api<{ data: UserRole[] }>('GET', path), [path]);
  const [assigning, setAssigning] = useState(false);
  const remove = async (role: UserRole) => {
    try {
      await api('DELETE', `${path}/${encodeURIComponent(role.id)}`);
      roles.reload();
      toast(`Role ${role.name} removed`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  return (
    <section className="card" aria-labelledby="roles-title">
      <div className="section-header">
        <h2 id="roles-title">Roles</h2>
        <button type="button" onClick={() => setAssigning(true)}>Assign roles</button>
      </div>
      {roles.loading && !roles.data ? <Loading /> : roles.error ? <ErrorState message={roles.error} onRetry={roles.reload} /> : roles.data?.data.length === 0 ? (
        <EmptyState title="No roles" />
      ) : (
        <ul className="chip-list">
          {roles.data?.data.map((role) => (
            <li key={role.id} className="chip">
              <Link to={`/roles/${encodeURIComponent(role.id)}`}>{role.name}</Link>
              <button type="button" className="icon-button" aria-label={`Remove role ${role.name}`} onClick={() => remove(role)}>×</button>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Assign roles" open={assigning} onClose={() => setAssigning(false)}>
        {assigning && (
          <RolePicker
            have={new Set(roles.data?.data.map((r) => r.id))}
            onClose={() => setAssigning(false)}
            onPick={async (ids) => {
              await api('POST', path, { role_ids: ids });
              roles.reload();
              toast('Roles assigned');
            }}
          />
        )}
      </Dialog>
    </section>
  );
}

function RolePicker({ have, onPick, onClose }: { have: Set<string>; onPick: (ids: string[]) => Promise<void>; onClose: () => void }) {
  const api = useApi();
  const roles = useLoad(() => api<Page<Role>>('GET', `/roles${query({ limit: 100 })}`), []);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string>();
  if (roles.loading) return <Loading />;
  if (roles.error || !roles.data) return <ErrorState message={roles.error ?? ''} onRetry={roles.reload} />;
  if (roles.data.data.length === 0) return <EmptyState title="No roles yet"><Link to="/roles">Create a role</Link></EmptyState>;
  return (
    <>
      {roles.data.data.map((role) => (
        <Checkbox
          key={role.id}
          label={role.name}
          hint={role.description || undefined}
          checked={have.has(role.id) || picked.has(role.id)}
          disabled={have.has(role.id)}
          onChange={(e) => setPicked((p) => { const n = new Set(p); if (e.target.checked) n.add(role.id); else n.delete(role.id); return n; })}
        />
      ))}
      <FormError message={error} />
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose}>Cancel</button>
        <button type="button" disabled={picked.size === 0} onClick={async () => { try { await onPick([...picked]); onClose(); } catch (e) { setError(errorMessage(e)); } }}>Assign</button>
      </div>
    </>
  );
}

function ConnectedApps({ userId }: { userId: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/users/${encodeURIComponent(userId)}/grants`;
  const grants = useLoad(() => api<{ data: UserGrant[] }>('GET', path), [path]);
  const [revoking, setRevoking] = useState<UserGrant>();
  const revoke = async (grant: UserGrant) => {
    try {
      await api('DELETE', `${path}/${encodeURIComponent(grant.client_id)}`);
      toast(`Access of ${grant.application_name ?? grant.client_id} revoked`);
      setRevoking(undefined);
      grants.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  const thirdParty = grants.data?.data.filter((g) => g.third_party !== false) ?? [];
  return (
    <section className="card" aria-labelledby="connected-title">
      <h2 id="connected-title">Connected apps</h2>
      <p className="muted">Third-party apps this user allowed on a consent screen. Revoking ends the app’s access at once; it must ask again.</p>
      {grants.loading && !grants.data ? <Loading /> : grants.error ? <ErrorState message={grants.error} onRetry={grants.reload} /> : thirdParty.length === 0 ? (
        <EmptyState title="No connected apps" />
      ) : (
        <ul className="grant-list">
          {thirdParty.map((grant) => (
            <li key={grant.client_id} className="grant">
              <div>
                <strong>{grant.application_name ?? grant.client_id}</strong>
                <div className="muted small-text">Granted {formatDate(grant.granted_at)}</div>
                <ul className="small-text">
                  {grant.user_scopes.map((s) => <li key={s}>{userScopeDescriptions[s] ?? s}</li>)}
                  {grant.resource_scopes.map((r) => <li key={r.resource}>{r.resource}: {r.scopes.join(', ')}</li>)}
                </ul>
              </div>
              <button type="button" className="secondary small" onClick={() => setRevoking(grant)} aria-label={`Revoke access of ${grant.application_name ?? grant.client_id}`}>Revoke access</button>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Revoke access" open={!!revoking} onClose={() => setRevoking(undefined)}>
        <p>{revoking?.application_name ?? revoking?.client_id} loses access to this user’s account at once: its tokens stop working.</p>
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={() => setRevoking(undefined)}>Cancel</button>
          <button type="button" className="danger" onClick={() => revoking && revoke(revoking)}>Revoke access</button>
        </div>
      </Dialog>
    </section>
  );
}
