import { useCallback } from 'react';
import { query } from '../api/client.ts';
import type { Email, EmailDelivery, Page } from '../api/types.ts';
import { formatDate } from '../applications/app-types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate, useQueryParam } from '../router.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { Pagination } from '../ui/pagination.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useLoad } from '../ui/use-load.ts';

const limit = 20;
const statuses = [
  { value: '', label: 'All' },
  { value: 'outbox', label: 'Outbox' },
  { value: 'pending', label: 'Waiting to be sent' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
];

export const kindLabels: Record<Email['kind'], string> = {
  password_reset: 'Password reset',
  email_verification: 'Email verification',
  email_changed: 'Email changed notice',
  password_changed: 'Password changed notice',
  app_connected: 'New app connected notice',
};

export function StatusBadge({ status }: { status: Email['status'] }) {
  const label = statuses.find((s) => s.value === status)?.label ?? status;
  return <span className={`badge${status === 'failed' ? ' badge-danger' : status === 'sent' ? '' : ' badge-accent'}`}>{label}</span>;
}

/** How email reaches people; without an SMTP server, what admins must know. */
function DeliveryNotice({ delivery }: { delivery: EmailDelivery }) {
  if (delivery.delivery === 'smtp') {
    return <p className="muted">Sent through SMTP from <code>{delivery.from}</code>. {delivery.counts.failed > 0 && <strong>{delivery.counts.failed} failed.</strong>}</p>;
  }
  return (
    <div className="callout" role="status">
      <p><strong>{delivery.delivery === 'outbox' ? 'No SMTP server: messages are kept in this outbox' : 'Email is off'}</strong></p>
      <p className="muted">
        {delivery.delivery === 'outbox'
          ? 'Nothing is sent. Open a message to read it (a password reset link works from here). To send email, set SESAME_SMTP_URL and SESAME_EMAIL_FROM and restart Sesame.'
          : 'No SMTP server is set up, so password reset by email and email verification are unavailable to users. Set SESAME_SMTP_URL and SESAME_EMAIL_FROM and restart Sesame.'}
      </p>
    </div>
  );
}

/** Every message Sesame wrote: the outbox without SMTP, the queue and its failures with it. */
export function EmailsPage() {
  const api = useApi();
  const status = useQueryParam('status') ?? '';
  const offset = Number(useQueryParam('offset') ?? 0) || 0;
  const delivery = useLoad(() => api<EmailDelivery>('GET', '/email-delivery'), []);
  const emails = useLoad(() => api<Page<Email>>('GET', `/emails${query({ status, limit, offset })}`), [status, offset]);
  const go = useCallback((next: { status?: string; offset?: number }) => {
    navigate(`/emails${query({ status: next.status ?? status, offset: next.offset || undefined })}`, { replace: true });
  }, [status]);
  return (
    <section aria-labelledby="emails-title">
      <PageHeader id="emails-title" title="Emails">
        <p className="muted">Password resets, verification codes and security notices Sesame wrote to users.</p>
      </PageHeader>
      {delivery.data && <DeliveryNotice delivery={delivery.data} />}
      <div className="toolbar">
        <div className="field">
          <label htmlFor="email-status">Status</label>
          <select id="email-status" value={status} onChange={(e) => go({ status: e.target.value, offset: 0 })}>
            {statuses.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
          </select>
        </div>
      </div>
      {emails.loading && !emails.data ? <Loading /> : emails.error ? <ErrorState message={emails.error} onRetry={emails.reload} /> : emails.data?.data.length === 0 ? (
        <EmptyState title={status ? 'No email with this status' : 'No email yet'} />
      ) : emails.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Emails</caption>
              <thead><tr><th scope="col">Subject</th><th scope="col">To</th><th scope="col">Status</th><th scope="col" className="hide-narrow">Written</th></tr></thead>
              <tbody>
                {emails.data.data.map((email) => (
                  <tr key={email.id}>
                    <td><Link to={`/emails/${encodeURIComponent(email.id)}`}>{email.subject}</Link><div className="muted small-text">{kindLabels[email.kind]}</div></td>
                    <td>{email.recipient}</td>
                    <td><StatusBadge status={email.status} /></td>
                    <td className="hide-narrow">{formatDate(email.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination offset={offset} limit={limit} total={emails.data.total} onChange={(o) => go({ offset: o })} label="Emails" />
        </>
      )}
    </section>
  );
}
