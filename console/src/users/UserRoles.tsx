import { useState } from 'react';
import { errorMessage, query } from '../api/client.ts';
import type { Page, Role, UserRole } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { Checkbox, FormError } from '../ui/fields.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

/** The roles a user has, which give them API resource scopes; assigning and removing them. */
export function UserRoles({ userId, username }: { userId: string; username: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/users/${encodeURIComponent(userId)}/roles`;
  const roles = useLoad(() => api<{ data: UserRole[] }>('GET', path), [path]);
  const [assigning, setAssigning] = useState(false);
  const [removing, setRemoving] = useState<UserRole>();
  const remove = async (role: UserRole) => {
    await api('DELETE', `${path}/${encodeURIComponent(role.id)}`);
    roles.reload();
    toast(`Role ${role.name} removed`);
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
              <button type="button" className="icon-button" aria-label={`Remove role ${role.name}`} onClick={() => setRemoving(role)}>×</button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog title="Remove role" open={!!removing} onClose={() => setRemoving(undefined)} onConfirm={() => remove(removing!)} confirmLabel="Remove role">
        <p>
          <strong>{username}</strong> loses the API scopes the role <strong>{removing?.name}</strong> gives them, unless another
          of their roles gives them too. Tokens issued from now on leave them out; tokens already issued keep them until they expire.
        </p>
      </ConfirmDialog>
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
