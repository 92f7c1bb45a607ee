import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import type { Email, EmailWithContent } from '../api/types.ts';
import { formatDate } from '../applications/app-types.ts';
import { useApi } from '../auth/session.tsx';
import { Link } from '../router.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';
import { kindLabels, StatusBadge } from './EmailsPage.tsx';

/**
 * One message: who it went to, where its delivery stands, and, while Sesame keeps it (until it is delivered), what
 * it says. Its HTML part is shown as source: the console runs no markup it did not write.
 */
export function EmailDetailsPage({ id }: { id: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/emails/${encodeURIComponent(id)}`;
  const email = useLoad(() => api<EmailWithContent>('GET', path), [path]);
  const [busy, setBusy] = useState(false);

  if (email.loading && !email.data) return <Loading />;
  if (email.error || !email.data) return <><p><Link to="/emails">← Emails</Link></p><ErrorState message={email.error ?? ''} onRetry={email.reload} /></>;
  const current = email.data;
  const retry = async () => {
    setBusy(true);
    try {
      await api<Email>('POST', `${path}/retry`);
      toast(`Sending to ${current.recipient} again`);
      email.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="email-title">
      <p><Link to="/emails">← Emails</Link></p>
      <PageHeader
        id="email-title"
        title={current.subject}
        actions={current.status === 'failed' && <button type="button" className="secondary" disabled={busy} onClick={retry}>Send again</button>}
      >
        <p className="badges"><StatusBadge status={current.status} /><span className="muted">{kindLabels[current.kind]}</span></p>
      </PageHeader>
      <div className="card">
        <dl className="details">
          <dt>To</dt><dd>{current.recipient}</dd>
          <dt>From</dt><dd>{current.sender_name}</dd>
          <dt>Language</dt><dd>{current.locale}</dd>
          <dt>Written</dt><dd>{formatDate(current.created_at)}</dd>
          {current.sent_at && <><dt>Sent</dt><dd>{formatDate(current.sent_at)}</dd></>}
          <dt>Tries</dt><dd>{current.attempts}</dd>
          {current.next_attempt_at && <><dt>Next try</dt><dd>{formatDate(current.next_attempt_at)}</dd></>}
          {current.last_error && <><dt>Last error</dt><dd><code>{current.last_error}</code></dd></>}
          {current.user_id && <><dt>User</dt><dd><Link to={`/users/${encodeURIComponent(current.user_id)}`}>{current.user_id}</Link></dd></>}
        </dl>
      </div>
      {current.text === null ? (
        <p className="muted">Sesame no longer keeps what this message said: it was delivered.</p>
      ) : (
        <section className="card" aria-labelledby="email-text-title">
          <h2 id="email-text-title">Message</h2>
          <p className="muted">It may hold a working link (a password reset): share it only with the person it was written to.</p>
          <pre className="email-text">{current.text}</pre>
          <details>
            <summary>HTML part (source)</summary>
            <pre className="email-text">{current.html}</pre>
          </details>
        </section>
      )}
    </section>
  );
}
