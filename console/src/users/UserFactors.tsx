import { useState } from 'react';
import type { UserFactors as Factors } from '../api/types.ts';
import { formatDate } from '../applications/app-types.ts';
import { useApi } from '../auth/session.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

/** A user's second factors and passkeys, and resetting them (a lost phone or security key). */
export function UserFactors({ userId, username }: { userId: string; username: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/users/${encodeURIComponent(userId)}/factors`;
  const factors = useLoad(() => api<Factors>('GET', path), [path]);
  const [confirming, setConfirming] = useState(false);
  // A failure stays in the dialog (ConfirmDialog); success closes it.
  const reset = async () => {
    await api('DELETE', path);
    toast(`Two-step verification of ${username} was reset`);
    factors.reload();
  };
  const data = factors.data;
  const any = !!data && (data.totp !== null || data.passkeys.length > 0 || data.recovery_codes.total > 0);
  return (
    <section className="card" aria-labelledby="factors-title">
      <div className="section-header">
        <h2 id="factors-title">Two-step verification</h2>
        <button type="button" className="secondary" disabled={!any} onClick={() => setConfirming(true)}>Reset two-step verification</button>
      </div>
      {factors.loading && !data ? <Loading /> : factors.error || !data ? <ErrorState message={factors.error ?? ''} onRetry={factors.reload} /> : (
        <dl className="details">
          <dt>Authenticator app</dt>
          <dd>{data.totp ? `On since ${formatDate(data.totp.confirmed_at)}` : 'Not set up'}</dd>
          <dt>Passkeys</dt>
          <dd>{data.passkeys.length === 0 ? 'None' : (
            <ul className="small-text">
              {data.passkeys.map((p) => <li key={p.id}>{p.name} · added {formatDate(p.created_at)}{p.last_used_at ? ` · last used ${formatDate(p.last_used_at)}` : ''}</li>)}
            </ul>
          )}</dd>
          <dt>Recovery codes</dt>
          <dd>{data.recovery_codes.total === 0 ? 'None' : `${data.recovery_codes.unused} of ${data.recovery_codes.total} left`}</dd>
        </dl>
      )}
      <ConfirmDialog title="Reset two-step verification" open={confirming} onClose={() => setConfirming(false)} onConfirm={reset} confirmLabel="Reset">
        <p>This removes the authenticator app, passkeys and recovery codes of <strong>{username}</strong>. They sign in with their password again, and set up a new second factor when the policy asks for one.</p>
      </ConfirmDialog>
    </section>
  );
}
