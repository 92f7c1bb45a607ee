import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import type { Application } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { useToast } from '../ui/toasts.tsx';

/** The Third-party apps tab's status filter: *Pending* lists the apps waiting for an admin. */
export const statusFilters = [
  { value: '', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'denied', label: 'Denied' },
];

const originWords = { dcr: 'It registered itself (dynamic registration)', cimd: 'It named itself by a client ID metadata document' };

/** *Dynamic* for apps that arrived by themselves, and their status when it is not approved. */
export function AppBadges({ app }: { app: Application }) {
  return (
    <>
      {app.origin !== 'admin' && <span className="badge badge-accent" title={originWords[app.origin]}>Dynamic</span>}
      {app.status === 'pending' && <span className="badge">Pending</span>}
      {app.status === 'denied' && <span className="badge badge-danger">Denied</span>}
    </>
  );
}

/** Approve or deny an app that registered itself; denying asks first. */
export function AppDecision({ app, onDecided }: { app: Application; onDecided: () => void }) {
  const api = useApi();
  const toast = useToast();
  const [denying, setDenying] = useState(false);
  const [busy, setBusy] = useState(false);
  if (app.origin === 'admin') return null;
  const approve = async () => {
    setBusy(true);
    try {
      await api('POST', `/applications/${encodeURIComponent(app.id)}/approve`);
      toast(`${app.name} approved: people can sign in to it`);
      onDecided();
    } catch (e) {
      toast(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {app.status !== 'approved' && <button type="button" className="small" disabled={busy} onClick={approve} aria-label={`Approve ${app.name}`}>Approve</button>}
      {app.status !== 'denied' && <button type="button" className="small secondary" disabled={busy} onClick={() => setDenying(true)} aria-label={`Deny ${app.name}`}>Deny</button>}
      <ConfirmDialog title={`Deny ${app.name}?`} open={denying} onClose={() => setDenying(false)} confirmLabel="Deny app"
        onConfirm={async () => {
          await api('POST', `/applications/${encodeURIComponent(app.id)}/deny`);
          toast(`${app.name} denied`);
          onDecided();
        }}>
        <p>People who try to sign in to it will see that it is not allowed, and what it was given (sign-ins, tokens) ends now. You can approve it later.</p>
      </ConfirmDialog>
    </>
  );
}
