import { useState } from 'react';
import { errorMessage, query } from '../api/client.ts';
import type { ApiResource, Application, Page, Permissions, UserDataScope } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';
import { userScopeDescriptions } from './app-types.ts';

const userDataScopes: UserDataScope[] = ['profile', 'email', 'phone', 'address', 'roles'];

/**
 * What this third-party app may ask users for, the words being those of the consent screen; or what this
 * machine-to-machine app may obtain for itself with client credentials (API resource scopes only: it has no user).
 */
export function PermissionsTab({ app }: { app: Application }) {
  const machine = app.type === 'm2m';
  const api = useApi();
  const toast = useToast();
  const path = `/applications/${encodeURIComponent(app.id)}/permissions`;
  const permissions = useLoad(() => api<Permissions>('GET', path), [path]);
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [removing, setRemoving] = useState<Permissions['resource_scopes'][number]>();

  const toggleUserScope = async (scope: UserDataScope, on: boolean) => {
    setBusy(scope);
    // Shown at once; put back if the server refuses.
    const before = permissions.data!;
    permissions.set({ ...before, user_scopes: on ? [...before.user_scopes, scope] : before.user_scopes.filter((s) => s !== scope) });
    try {
      const next = on
        ? await api<Permissions>('POST', path, { user_scopes: [scope] })
        : await api<Permissions>('DELETE', `${path}/user-scopes/${scope}`);
      if (next && typeof next === 'object' && 'user_scopes' in next) permissions.set(next);
      else permissions.reload();
      toast(on ? `${app.name} may now ask for ${scope}` : `${app.name} may no longer ask for ${scope}`);
    } catch (e) {
      permissions.set(before);
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(undefined);
    }
  };

  const removeResourceScope = async (scopeId: string, label: string) => {
    setBusy(scopeId);
    try {
      await api('DELETE', `${path}/resource-scopes/${encodeURIComponent(scopeId)}`);
      permissions.reload();
      toast(`Removed ${label}`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(undefined);
    }
  };

  if (permissions.loading && !permissions.data) return <Loading />;
  if (permissions.error || !permissions.data) return <ErrorState message={permissions.error ?? ''} onRetry={permissions.reload} />;
  const current = permissions.data;

  return (
    <>
      {!machine && (
        <section className="card" aria-labelledby="user-data-title">
          <h2 id="user-data-title">User data</h2>
          <p className="muted">
            What {app.name} may ask users to share. Each one the app asks for is listed on its consent screen with the
            words shown here. Signing in (openid) and staying connected (offline_access) are always allowed.
          </p>
          <ul className="permission-list">
            {userDataScopes.map((scope) => (
              <li key={scope} className="checkbox">
                <input
                  type="checkbox"
                  id={`scope-${scope}`}
                  checked={current.user_scopes.includes(scope)}
                  aria-busy={busy === scope || undefined}
                  aria-describedby={`scope-${scope}-description`}
                  onChange={(e) => toggleUserScope(scope, e.target.checked)}
                />
                <div>
                  <label htmlFor={`scope-${scope}`} className="mono">{scope}</label>
                  <p className="hint" id={`scope-${scope}-description`}>“{userScopeDescriptions[scope]}”</p>
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="card" aria-labelledby="api-permissions-title">
        <div className="section-header">
          <h2 id="api-permissions-title">API resource permissions</h2>
          <button type="button" onClick={() => setAdding(true)}>Add permissions</button>
        </div>
        <p className="muted">
          {machine
            ? `Scopes of your API resources ${app.name} may obtain for itself with client credentials. A token request names the resource and the scopes it wants; it gets those on this list.`
            : 'Scopes of your API resources this app may request. A user gets a scope only if one of their roles gives it.'}
        </p>
        {current.resource_scopes.length === 0 ? (
          <EmptyState title="No API resource permissions" />
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">API resource permissions</caption>
              <thead><tr><th scope="col">Permission</th><th scope="col">API resource</th><th scope="col">{machine ? 'Description' : 'Shown to users as'}</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {current.resource_scopes.map((s) => (
                  <tr key={s.id}>
                    <td className="mono">{s.name}</td>
                    <td>{s.resource_name}<div className="muted small-text mono">{s.resource_indicator}</div></td>
                    <td>{s.description || <span className="muted">{s.name}</span>}</td>
                    <td>
                      <button type="button" className="secondary small" disabled={busy === s.id} aria-label={`Remove ${s.name} of ${s.resource_name}`} onClick={() => setRemoving(s)}>Remove</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog title="Remove permission" open={!!removing} onClose={() => setRemoving(undefined)} onConfirm={() => removeResourceScope(removing!.id, removing!.name)} confirmLabel="Remove permission">
        <p>
          {app.name} may no longer ask for <strong className="mono">{removing?.name}</strong> of {removing?.resource_name}: tokens
          issued from now on leave it out.
        </p>
      </ConfirmDialog>
      <AddResourceScopesDialog
        open={adding}
        onClose={() => setAdding(false)}
        have={new Set(current.resource_scopes.map((s) => s.id))}
        onAdd={async (ids) => {
          await api('POST', path, { resource_scopes: ids.map((id) => ({ scope_id: id })) });
          permissions.reload();
          toast(`Added ${ids.length} permission${ids.length === 1 ? '' : 's'}`);
        }}
      />
    </>
  );
}

/** Picks scopes from the registered API resources; used for app permissions and for roles. */
export function AddResourceScopesDialog({ open, onClose, have, onAdd, title = 'Add API resource permissions' }: {
  open: boolean;
  onClose: () => void;
  have: Set<string>;
  onAdd: (scopeIds: string[]) => Promise<void>;
  title?: string;
}) {
  return (
    <Dialog title={title} open={open} onClose={onClose} wide>
      {open && <ScopePicker have={have} onAdd={onAdd} onClose={onClose} />}
    </Dialog>
  );
}

function ScopePicker({ have, onAdd, onClose }: { have: Set<string>; onAdd: (scopeIds: string[]) => Promise<void>; onClose: () => void }) {
  const api = useApi();
  const resources = useLoad(() => api<Page<ApiResource>>('GET', `/resources${query({ limit: 100 })}`), []);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (resources.loading) return <Loading />;
  if (resources.error || !resources.data) return <ErrorState message={resources.error ?? ''} onRetry={resources.reload} />;
  const withScopes = resources.data.data.filter((r) => r.scopes.length);
  const submit = async () => {
    setBusy(true);
    try {
      await onAdd([...picked]);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {withScopes.length === 0 ? (
        <EmptyState title="No API resource has scopes yet">
          <Link to="/resources">Register an API resource</Link>
        </EmptyState>
      ) : withScopes.map((resource) => (
        <fieldset key={resource.id} className="scope-group">
          <legend>{resource.name} <span className="muted mono small-text">{resource.indicator}</span></legend>
          {resource.scopes.map((scope) => (
            <div key={scope.id} className="checkbox">
              <input
                type="checkbox"
                id={`pick-${scope.id}`}
                checked={have.has(scope.id) || picked.has(scope.id)}
                disabled={have.has(scope.id)}
                onChange={(e) => setPicked((p) => {
                  const next = new Set(p);
                  if (e.target.checked) next.add(scope.id);
                  else next.delete(scope.id);
                  return next;
                })}
              />
              <div>
                <label htmlFor={`pick-${scope.id}`} className="mono">{scope.name}</label>
                {scope.description && <p className="hint">{scope.description}</p>}
              </div>
            </div>
          ))}
        </fieldset>
      ))}
      {error && <p className="form-error" role="alert">{error}</p>}
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose}>Cancel</button>
        <button type="button" disabled={picked.size === 0 || busy} onClick={submit}>Add {picked.size || ''}</button>
      </div>
    </>
  );
}
