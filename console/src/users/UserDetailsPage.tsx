import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';
import type { User } from '../api/types.ts';
import { useApi, useSession } from '../auth/session.tsx';
import { Link, navigate, useUnsavedChangesGuard } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { DangerAction, DangerZone } from '../ui/danger-zone.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { Checkbox, FormError, TextField } from '../ui/fields.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';
import { ConnectedApps } from './ConnectedApps.tsx';
import { LockoutNotice } from './LockoutNotice.tsx';
import { UserRoles } from './UserRoles.tsx';

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
    const next = await api<User>('POST', `${path}/${suspended ? 'suspend' : 'unsuspend'}`);
    if (next && typeof next === 'object' && 'id' in next) user.set(next);
    else user.reload();
    toast(suspended ? `${current.username} is suspended and signed out everywhere` : `${current.username} can sign in again`);
  };
  const unsuspend = () => setSuspended(false).catch((e: unknown) => toast(errorMessage(e), 'error'));

  const sendVerification = async () => {
    try {
      const sent = await api<{ email: string }>('POST', `${path}/verification-email`);
      toast(`Verification email sent to ${sent.email}`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  return (
    <section aria-labelledby="user-title">
      <p><Link to="/users">← Users</Link></p>
      <PageHeader
        id="user-title"
        title={current.name || current.username}
        actions={(
          <>
            {current.email && !current.email_verified && <button type="button" className="secondary" onClick={sendVerification}>Send verification email</button>}
            <button type="button" className="secondary" onClick={() => setDialog('password')}>Reset password</button>
            {current.suspended
              ? <button type="button" className="secondary" onClick={unsuspend}>Unsuspend</button>
              : <button type="button" className="secondary" onClick={() => setDialog('suspend')}>Suspend</button>}
          </>
        )}
      >
        <p className="badges">
          <span className="muted">{current.username}</span>
          {current.suspended ? <span className="badge badge-danger">Suspended</span> : <span className="badge">Active</span>}
          {current.is_admin && <span className="badge badge-accent">Admin</span>}
          <Link to={`/audit-events?user_id=${encodeURIComponent(current.id)}`} className="small-text">Audit events of this user</Link>
        </p>
      </PageHeader>
      <LockoutNotice userId={current.id} username={current.username} />
      <ProfileForm user={current} onSaved={user.set} />
      <UserRoles userId={current.id} username={current.username} />
      <ConnectedApps userId={current.id} />
      <DangerZone>
        <DangerAction title="Delete this user" action={<button type="button" className="danger" onClick={() => setDialog('delete')}>Delete user</button>}>
          Their account, roles, grants, sessions and tokens are deleted, and they are signed out of every app. This cannot be undone.
        </DangerAction>
      </DangerZone>
      <PasswordDialog open={dialog === 'password'} onClose={() => setDialog(undefined)} path={path} username={current.username} />
      <ConfirmDialog title="Suspend user" open={dialog === 'suspend'} onClose={() => setDialog(undefined)} onConfirm={() => setSuspended(true)} confirmLabel="Suspend">
        <p><strong>{current.username}</strong> is signed out of every app at once and cannot sign in until unsuspended.</p>
      </ConfirmDialog>
      <DeleteUserDialog open={dialog === 'delete'} onClose={() => setDialog(undefined)} path={path} username={current.username} />
    </section>
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
