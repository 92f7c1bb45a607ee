import { useCallback } from 'react';
import { query } from '../api/client.ts';
import type { Application, AuditEvent, AuditEventType, Page, User } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate, useQueryParam } from '../router.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { Pagination } from '../ui/pagination.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useLoad } from '../ui/use-load.ts';
import { auditEventLabels, auditEventSummary, auditEventTypes } from './audit-event-words.ts';
import { FilterPicker } from './FilterPicker.tsx';

const limit = 25;

interface Filters { type?: string; user_id?: string; client_id?: string; offset?: number }

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** The audit trail, newest first: who did what, in which app, when and from where; filtered by type, user and app. */
export function AuditEventsPage() {
  const api = useApi();
  const filters: Filters = {
    type: useQueryParam('type') ?? undefined,
    user_id: useQueryParam('user_id') ?? undefined,
    client_id: useQueryParam('client_id') ?? undefined,
    offset: Number(useQueryParam('offset') ?? 0) || 0,
  };
  const { type, user_id: userId, client_id: clientId, offset = 0 } = filters;
  const events = useLoad(() => api<Page<AuditEvent>>('GET', `/audit-events${query({ type, user_id: userId, client_id: clientId, limit, offset })}`), [type, userId, clientId, offset]);
  const go = useCallback((next: Filters) => {
    const merged = { type, user_id: userId, client_id: clientId, ...next };
    navigate(`/audit-events${query({ ...merged, offset: merged.offset || undefined })}`, { replace: true });
  }, [type, userId, clientId]);
  const filtered = Boolean(type || userId || clientId);

  return (
    <section aria-labelledby="audit-title">
      <PageHeader id="audit-title" title="Audit events">
        <p className="muted">What happened, newest first: sign-ins and failed attempts, consents and revocations, lockouts, the first admin’s setup.</p>
      </PageHeader>
      <div className="filters" role="search" aria-label="Filter audit events">
        <div className="filter">
          <label className="filter-label" htmlFor="audit-type">Event type</label>
          <select id="audit-type" value={type ?? ''} onChange={(e) => go({ type: e.target.value || undefined, offset: 0 })}>
            <option value="">All events</option>
            {auditEventTypes.map((t) => <option key={t} value={t}>{auditEventLabels[t]}</option>)}
          </select>
        </div>
        <FilterPicker
          label="User"
          value={userId}
          onChange={(id) => go({ user_id: id, offset: 0 })}
          find={async (q) => (await api<Page<User>>('GET', `/users${query({ q, limit: 8 })}`)).data.map((u) => ({ id: u.id, label: u.name || u.username, detail: u.username }))}
          name={async (id) => { const u = await api<User>('GET', `/users/${encodeURIComponent(id)}`); return u.name ? `${u.name} (${u.username})` : u.username; }}
        />
        <FilterPicker
          label="App"
          value={clientId}
          onChange={(id) => go({ client_id: id, offset: 0 })}
          find={async (q) => (await api<Page<Application>>('GET', `/applications${query({ q, limit: 8 })}`)).data.map((a) => ({ id: a.id, label: a.name, detail: a.third_party ? 'third-party' : undefined }))}
          name={async (id) => (await api<Application>('GET', `/applications/${encodeURIComponent(id)}`)).name}
        />
      </div>
      {events.loading && !events.data ? <Loading /> : events.error ? <ErrorState message={events.error} onRetry={events.reload} /> : events.data?.data.length === 0 ? (
        <EmptyState title={filtered ? 'No event matches these filters' : 'No audit events yet'}>
          {filtered && <button type="button" className="secondary" onClick={() => navigate('/audit-events', { replace: true })}>Show all events</button>}
        </EmptyState>
      ) : events.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Audit events, newest first</caption>
              <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">User</th><th scope="col">App</th><th scope="col" className="hide-narrow">From</th></tr></thead>
              <tbody>{events.data.data.map((event) => <EventRow key={event.id} event={event} />)}</tbody>
            </table>
          </div>
          <Pagination offset={offset} limit={limit} total={events.data.total} onChange={(o) => go({ offset: o })} label="Audit events" />
        </>
      )}
    </section>
  );
}

function EventRow({ event }: { event: AuditEvent }) {
  const summary = auditEventSummary(event);
  const details = Object.entries(event.details);
  const typed = typeof event.details.login === 'string' ? event.details.login : undefined;
  return (
    <tr>
      <td className="nowrap"><time dateTime={event.created_at}>{when(event.created_at)}</time></td>
      <td>
        <strong>{auditEventLabels[event.type as AuditEventType] ?? event.type}</strong>
        {summary && <div className="small-text">{summary}</div>}
        {details.length > 0 && (
          <details className="event-details">
            <summary className="small-text">Details</summary>
            <dl>
              <dt>Type</dt><dd className="mono">{event.type}</dd>
              {details.map(([key, value]) => (
                <div key={key}><dt>{key}</dt><dd className="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</dd></div>
              ))}
            </dl>
          </details>
        )}
      </td>
      <td>
        {event.user_id
          ? event.username
            ? <><Link to={`/users/${encodeURIComponent(event.user_id)}`}>{event.user_name || event.username}</Link>{event.user_name && <div className="muted small-text">{event.username}</div>}</>
            : <><span className="muted">Deleted user</span><div className="mono small-text">{event.user_id}</div></>
          : typed ? <span className="muted">“{typed}” (no account)</span> : <span className="muted">—</span>}
      </td>
      <td>
        {event.client_id
          ? event.application_name
            ? <Link to={`/applications/${encodeURIComponent(event.client_id)}`}>{event.application_name}</Link>
            : <><span className="muted">Deleted app</span><div className="mono small-text">{event.client_id}</div></>
          : <span className="muted">—</span>}
      </td>
      <td className="hide-narrow small-text">
        {event.ip ?? '—'}
        {event.user_agent && <div className="muted">{event.user_agent}</div>}
      </td>
    </tr>
  );
}
