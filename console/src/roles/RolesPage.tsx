import { useCallback, useState, type FormEvent } from 'react';
import { ApiError, errorMessage, query } from '../api/client.ts';
import type { Page, Role } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate, useQueryParam } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { FormError, TextArea, TextField } from '../ui/fields.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { Pagination } from '../ui/pagination.tsx';
import { SearchBox } from '../ui/search-box.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

const limit = 20;

export function RolesPage() {
  const api = useApi();
  const q = useQueryParam('q') ?? '';
  const offset = Number(useQueryParam('offset') ?? 0) || 0;
  const [creating, setCreating] = useState(false);
  const roles = useLoad(() => api<Page<Role>>('GET', `/roles${query({ q, limit, offset })}`), [q, offset]);
  const onSearch = useCallback((text: string) => navigate(`/roles${query({ q: text })}`, { replace: true }), []);
  return (
    <section aria-labelledby="roles-page-title">
      <PageHeader id="roles-page-title" title="Roles" actions={<button type="button" onClick={() => setCreating(true)}>Create role</button>}>
        <p className="muted">Named sets of API resource scopes. A user gets an API scope only through a role.</p>
      </PageHeader>
      <div className="toolbar"><SearchBox label="Search roles" value={q} onSearch={onSearch} /></div>
      {roles.loading && !roles.data ? <Loading /> : roles.error ? <ErrorState message={roles.error} onRetry={roles.reload} /> : roles.data?.data.length === 0 ? (
        <EmptyState title={q ? `No role matches “${q}”` : 'No roles yet'} />
      ) : roles.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Roles</caption>
              <thead><tr><th scope="col">Role</th><th scope="col">Scopes</th><th scope="col">Users</th></tr></thead>
              <tbody>
                {roles.data.data.map((r) => (
                  <tr key={r.id}>
                    <td><Link to={`/roles/${encodeURIComponent(r.id)}`}>{r.name}</Link>{r.description && <div className="muted small-text">{r.description}</div>}</td>
                    <td className="nowrap">{r.scopes.length}</td>
                    <td className="nowrap">{r.user_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination offset={offset} limit={limit} total={roles.data.total} onChange={(o) => navigate(`/roles${query({ q, offset: o || undefined })}`, { replace: true })} label="Roles" />
        </>
      )}
      <CreateRoleDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateRoleDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const close = () => { setName(''); setDescription(''); setErrors({}); setFormError(undefined); onClose(); };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const role = await api<Role>('POST', '/roles', { name, description });
      toast(`Role ${role.name} created`);
      close();
      navigate(`/roles/${encodeURIComponent(role.id)}`);
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) setErrors(e.fieldErrors());
      else setFormError(errorMessage(e));
    }
  };
  return (
    <Dialog title="Create role" open={open} onClose={close}>
      <form onSubmit={submit}>
        <TextField label="Role name" required value={name} onChange={(e) => setName(e.target.value)} error={errors['/name']} autoFocus />
        <TextArea label="Description" value={description} onChange={(e) => setDescription(e.target.value)} error={errors['/description']} />
        <FormError message={formError} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={close}>Cancel</button>
          <button type="submit" disabled={!name.trim()}>Create role</button>
        </div>
      </form>
    </Dialog>
  );
}
