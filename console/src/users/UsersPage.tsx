import { useCallback, useState } from 'react';
import { ApiError, errorMessage, query } from '../api/client.ts';
import type { Page, User } from '../api/types.ts';
import { formatDate } from '../applications/app-types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate, useQueryParam } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { Checkbox, FormError, TextField } from '../ui/fields.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { Pagination } from '../ui/pagination.tsx';
import { SearchBox } from '../ui/search-box.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';

const limit = 20;

export function UsersPage() {
  const api = useApi();
  const q = useQueryParam('q') ?? '';
  const offset = Number(useQueryParam('offset') ?? 0) || 0;
  const [creating, setCreating] = useState(false);
  const users = useLoad(() => api<Page<User>>('GET', `/users${query({ q, limit, offset })}`), [q, offset]);
  const go = useCallback((next: { q?: string; offset?: number }) => {
    navigate(`/users${query({ q: next.q ?? q, offset: next.offset || undefined })}`, { replace: true });
  }, [q]);
  const onSearch = useCallback((text: string) => go({ q: text }), [go]);
  return (
    <section aria-labelledby="users-title">
      <PageHeader id="users-title" title="Users" actions={<button type="button" onClick={() => setCreating(true)}>Create user</button>}>
        <p className="muted">Everyone who can sign in through Sesame.</p>
      </PageHeader>
      <div className="toolbar"><SearchBox label="Search users" value={q} onSearch={onSearch} /></div>
      {users.loading && !users.data ? <Loading /> : users.error ? <ErrorState message={users.error} onRetry={users.reload} /> : users.data?.data.length === 0 ? (
        <EmptyState title={q ? `No user matches “${q}”` : 'No users yet'} />
      ) : users.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Users</caption>
              <thead><tr><th scope="col">User</th><th scope="col" className="hide-narrow">Email</th><th scope="col">Status</th><th scope="col" className="hide-narrow">Created</th></tr></thead>
              <tbody>
                {users.data.data.map((user) => (
                  <tr key={user.id}>
                    <td><Link to={`/users/${encodeURIComponent(user.id)}`}>{user.name || user.username}</Link><div className="muted small-text">{user.username}</div></td>
                    <td className="hide-narrow">{user.email ?? '—'}</td>
                    <td className="nowrap">
                      {user.suspended ? <span className="badge badge-danger">Suspended</span> : <span className="badge">Active</span>}
                      {user.is_admin && <span className="badge badge-accent">Admin</span>}
                    </td>
                    <td className="hide-narrow nowrap">{formatDate(user.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination offset={offset} limit={limit} total={users.data.total} onChange={(o) => go({ offset: o })} label="Users" />
        </>
      )}
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const [form, setForm] = useState({ username: '', email: '', name: '', password: '', is_admin: false });
  const { busy, errors, formError, reset, handle } = useFormSubmit();
  const close = () => {
    setForm({ username: '', email: '', name: '', password: '', is_admin: false });
    reset();
    onClose();
  };
  const submit = handle(async () => {
    const user = await api<User>('POST', '/users', {
      username: form.username,
      password: form.password,
      ...(form.email.trim() ? { email: form.email.trim() } : {}),
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      is_admin: form.is_admin,
    });
    toast(`${user.username} created`);
    close();
    navigate(`/users/${encodeURIComponent(user.id)}`);
  });
  const set = (key: string, value: string | boolean) => setForm((f) => ({ ...f, [key]: value }));
  return (
    <Dialog title="Create user" open={open} onClose={close}>
      <form onSubmit={submit}>
        <TextField label="Username" required autoComplete="off" value={form.username} onChange={(e) => set('username', e.target.value)} error={errors['/username']} autoFocus />
        <TextField label="Email" type="email" autoComplete="off" value={form.email} onChange={(e) => set('email', e.target.value)} error={errors['/email']} />
        <TextField label="Name" autoComplete="off" value={form.name} onChange={(e) => set('name', e.target.value)} error={errors['/name']} />
        <TextField label="Password" type="password" required autoComplete="new-password" minLength={8} value={form.password} onChange={(e) => set('password', e.target.value)} error={errors['/password']} hint="At least 8 characters. Share it with the user safely." />
        <Checkbox label="Admin" checked={form.is_admin} onChange={(e) => set('is_admin', e.target.checked)} hint="Admins can sign in to this console and use the Management API." />
        <FormError message={formError} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={close}>Cancel</button>
          <button type="submit" disabled={busy || !form.username || !form.password}>Create user</button>
        </div>
      </form>
    </Dialog>
  );
}
