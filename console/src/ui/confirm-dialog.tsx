import { useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './fields.tsx';

/**
 * Asks before an action that takes something away: says what will happen, then *Cancel* or the action. The
 * action's failure is shown in the dialog, which stays open; success closes it.
 */
export function ConfirmDialog({ title, open, onClose, onConfirm, confirmLabel, children }: {
  title: string;
  open: boolean;
  onClose: () => void;
  onConfirm: () => Promise<void>;
  confirmLabel: string;
  children: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const close = () => {
    setError(undefined);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} open={open} onClose={close}>
      <div className="confirm-text">{children}</div>
      <FormError message={error} />
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={close}>Cancel</button>
        <button type="button" className="danger" disabled={busy} onClick={confirm}>{confirmLabel}</button>
      </div>
    </Dialog>
  );
}
