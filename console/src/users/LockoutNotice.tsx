import { useState } from 'react';
import { query } from '../api/client.ts';
import type { Lockout } from '../api/types.ts';
import { formatDate } from '../applications/app-types.ts';
import { useApi } from '../auth/session.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

/** While sign-in is blocked for this user (too many failed passwords), when it ends, and lifting it. */
export function LockoutNotice({ userId, username }: { userId: string; username: string }) {
  const api = useApi();
  const toast = useToast();
  const lockouts = useLoad(() => api<{ data: Lockout[] }>('GET', `/lockouts${query({ user_id: userId })}`), [userId]);
  const [confirming, setConfirming] = useState(false);
  const blocks = lockouts.data?.data ?? [];
  if (!blocks.length) return null;
  const until = blocks.map((b) => b.blocked_until).sort().at(-1)!;
  const unlock = async () => {
    await api('DELETE', `/users/${encodeURIComponent(userId)}/lockout`);
    toast(`${username} can sign in again`);
    lockouts.reload();
  };
  const whole = blocks.some((b) => b.policy === 'account');
  const places = [...new Set(blocks.map((b) => b.ip).filter(Boolean))].join(', ') || 'one place';
  return (
    <div className="callout" role="status">
      <p><strong>Locked out until {formatDate(until)}</strong></p>
      <p className="muted">
        {whole
          ? 'Too many failed sign-ins from many places: browsers this user never signed in from are refused, the right password too.'
          : `Too many failed sign-ins from ${places}: attempts from there are refused, the right password too.`}
      </p>
      <button type="button" className="secondary" onClick={() => setConfirming(true)}>Unlock</button>
      <ConfirmDialog title="Unlock user" open={confirming} onClose={() => setConfirming(false)} onConfirm={unlock} confirmLabel="Unlock">
        <p>
          Sign-in attempts for <strong>{username}</strong> {whole ? 'from anywhere' : `from ${places}`} are allowed again at
          once, before the block ends. If the failed sign-ins were someone guessing the password, they can go on guessing.
        </p>
      </ConfirmDialog>
    </div>
  );
}
