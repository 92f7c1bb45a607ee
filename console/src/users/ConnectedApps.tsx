import { useState } from 'react';
import type { UserGrant } from '../api/types.ts';
import { formatDate, userScopeDescriptions } from '../applications/app-types.ts';
import { useApi } from '../auth/session.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

/** How soon revoking bites: a JWT access token an API checks on its own lives until it expires. */
function boundWords(seconds: number): string {
  if (seconds <= 0) return 'Takes effect at once.';
  const minutes = Math.ceil(seconds / 60);
  const wait = seconds < 60 ? `${seconds} seconds` : minutes < 60 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.ceil(minutes / 60)} hours`;
  return `Takes effect within ${wait}: JWT access tokens for APIs it already holds work until they expire.`;
}

/** The third-party apps a user allowed on a consent screen, each revocable by the admin. */
export function ConnectedApps({ userId }: { userId: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/users/${encodeURIComponent(userId)}/grants`;
  const grants = useLoad(() => api<{ data: UserGrant[] }>('GET', path), [path]);
  const [revoking, setRevoking] = useState<UserGrant>();
  const nameOf = (grant: UserGrant) => grant.application_name ?? grant.client_id;
  const revoke = async (grant: UserGrant) => {
    await api('DELETE', `${path}/${encodeURIComponent(grant.client_id)}`);
    toast(`Access of ${nameOf(grant)} revoked`);
    grants.reload();
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
                <strong>{nameOf(grant)}</strong>
                <div className="muted small-text">Granted {formatDate(grant.granted_at)}</div>
                <ul className="small-text">
                  {grant.user_scopes.map((s) => <li key={s}>{userScopeDescriptions[s] ?? s}</li>)}
                  {grant.resource_scopes.map((r) => <li key={r.resource}>{r.resource}: {r.scopes.join(', ')}</li>)}
                </ul>
              </div>
              <div className="grant-actions">
                <button type="button" className="secondary small" onClick={() => setRevoking(grant)} aria-label={`Revoke access of ${nameOf(grant)}`}>Revoke access</button>
                <div className="muted small-text">{boundWords(grant.revocation_bound_seconds)}</div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog title="Revoke access" open={!!revoking} onClose={() => setRevoking(undefined)} onConfirm={() => revoke(revoking!)} confirmLabel="Revoke access">
        <p>
          <strong>{revoking && nameOf(revoking)}</strong> loses access to this user’s account: its refresh tokens and
          opaque access tokens stop working at once, and it must ask the user for consent again.
        </p>
        {revoking && <p>{boundWords(revoking.revocation_bound_seconds)}</p>}
      </ConfirmDialog>
    </section>
  );
}
