import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.ts';
import type { Application } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { navigate } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { FormError, TextField } from '../ui/fields.tsx';
import { useToast } from '../ui/toasts.tsx';

/** Deleting is for good, so the admin types the app's name first. */
export function DeleteApplicationDialog({ app, open, onClose }: { app: Application; open: boolean; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api('DELETE', `/applications/${encodeURIComponent(app.id)}`);
      toast(`${app.name} deleted`);
      onClose();
      navigate(app.third_party ? '/applications?tab=third-party' : '/applications', { force: true });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Delete application" open={open} onClose={() => { setTyped(''); setError(undefined); onClose(); }}>
      <form onSubmit={submit}>
        <p>
          This deletes <strong>{app.name}</strong>, its secrets, and every grant and token issued to it. Its users are
          signed out of it at once. This cannot be undone.
        </p>
        <TextField label={`Type ${app.name} to confirm`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        <FormError message={error} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="danger" disabled={typed !== app.name || busy}>Delete</button>
        </div>
      </form>
    </Dialog>
  );
}
