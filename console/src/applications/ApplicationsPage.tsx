import { useCallback, useState } from 'react';
import { query } from '../api/client.ts';
import type { Application, Page } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate, useQueryParam } from '../router.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { Pagination } from '../ui/pagination.tsx';
import { SearchBox } from '../ui/search-box.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { TabPanel, Tabs } from '../ui/tabs.tsx';
import { useLoad } from '../ui/use-load.ts';
import { appTypeLabels, formatDate } from './app-types.ts';
import { CreateApplicationDialog } from './CreateApplicationDialog.tsx';
import { AppBadges, AppDecision, statusFilters } from './AppDecision.tsx';
import { RegistrationPanel } from './RegistrationPanel.tsx';

const limit = 20;
const tabs = [{ id: 'mine', label: 'My apps' }, { id: 'third-party', label: 'Third-party apps' }];

export function ApplicationsPage() {
  const api = useApi();
  const tab = useQueryParam('tab') === 'third-party' ? 'third-party' : 'mine';
  const q = useQueryParam('q') ?? '';
  const offset = Number(useQueryParam('offset') ?? 0) || 0;
  const statusParam = useQueryParam('status');
  const status = tab === 'third-party' && statusFilters.some((f) => f.value === statusParam) ? statusParam! : '';
  const [creating, setCreating] = useState(false);
  const apps = useLoad(
    () => api<Page<Application>>('GET', `/applications${query({ third_party: tab === 'third-party', status: status || undefined, q, limit, offset })}`),
    [tab, q, offset, status],
  );
  const go = useCallback((next: { tab?: string; q?: string; offset?: number; status?: string }) => {
    const params = { tab: next.tab ?? tab, q: next.q ?? q, offset: next.offset ?? 0, status: next.status ?? (next.tab ? '' : status) };
    navigate(`/applications${query({
      tab: params.tab === 'mine' ? undefined : params.tab, status: params.status || undefined, q: params.q, offset: params.offset || undefined,
    })}`, { replace: true });
  }, [tab, q, status]);
  const onSearch = useCallback((text: string) => go({ q: text }), [go]);

  return (
    <section aria-labelledby="applications-title">
      <PageHeader id="applications-title" title="Applications" actions={<button type="button" onClick={() => setCreating(true)}>Create application</button>}>
        <p className="muted">Apps that sign their users in through Sesame: your own, and third-party apps that ask your users for consent.</p>
      </PageHeader>
      <Tabs tabs={tabs} selected={tab} onSelect={(id) => go({ tab: id, q: '' })} label="Application kinds" idPrefix="apps" />
      <TabPanel idPrefix="apps" selected={tab}>
        <div className="toolbar">
          <SearchBox key={tab} label="Search applications" value={q} onSearch={onSearch} />
          {tab === 'third-party' && (
            <label className="inline-field">
              Status{' '}
              <select value={status} onChange={(e) => go({ status: e.target.value })}>
                {statusFilters.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
              </select>
            </label>
          )}
        </div>
        {apps.loading && !apps.data ? <Loading /> : apps.error ? <ErrorState message={apps.error} onRetry={apps.reload} /> : apps.data && apps.data.data.length === 0 ? (
          q ? <EmptyState title={`No application matches “${q}”`} />
            : status ? <EmptyState title={`No ${statusFilters.find((f) => f.value === status)!.label.toLowerCase()} apps`} />
              : <NoApps tab={tab} onCreate={() => setCreating(true)} />
        ) : apps.data && (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">{tab === 'mine' ? 'My apps' : 'Third-party apps'}</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col" className="hide-narrow">Client ID</th><th scope="col" className="hide-narrow">Created</th>{tab === 'third-party' && <th scope="col"><span className="visually-hidden">Decision</span></th>}</tr></thead>
                <tbody>
                  {apps.data.data.map((app) => (
                    <tr key={app.id}>
                      <td>
                        <Link to={`/applications/${encodeURIComponent(app.id)}`}>{app.name}</Link>
                        <AppBadges app={app} />
                        {app.description && <div className="muted small-text">{app.description}</div>}
                      </td>
                      <td className="nowrap">{appTypeLabels[app.type]}</td>
                      <td className="mono hide-narrow id-cell">{app.client_id}</td>
                      <td className="hide-narrow nowrap">{formatDate(app.created_at)}</td>
                      {tab === 'third-party' && <td className="nowrap"><AppDecision app={app} onDecided={apps.reload} /></td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination offset={offset} limit={limit} total={apps.data.total} onChange={(o) => go({ offset: o })} label="Applications" />
          </>
        )}
        {tab === 'third-party' && <RegistrationPanel />}
      </TabPanel>
      <CreateApplicationDialog open={creating} onClose={() => setCreating(false)} initialThirdParty={tab === 'third-party'} />
    </section>
  );
}

const otherTab = { mine: 'third-party', 'third-party': 'mine' } as const;

/**
 * An empty tab says what belongs in it and how to add one, and, when the other tab holds apps, that they are
 * there: an admin who made only third-party apps must not read "no applications" under My apps.
 */
function NoApps({ tab, onCreate }: { tab: 'mine' | 'third-party'; onCreate: () => void }) {
  const api = useApi();
  const other = useLoad(() => api<Page<Application>>('GET', `/applications${query({ third_party: otherTab[tab] === 'third-party', limit: 1 })}`), [tab]);
  const elsewhere = other.data?.total ?? 0;
  const plural = elsewhere === 1 ? '' : 's';
  return (
    <EmptyState title={tab === 'mine' ? 'You have no apps of your own yet' : 'No third-party apps yet'}>
      {elsewhere > 0 && (
        <p>
          {tab === 'mine'
            ? `${elsewhere} third-party app${plural} ${elsewhere === 1 ? 'is' : 'are'} under Third-party apps. `
            : `${elsewhere} app${plural} of your own ${elsewhere === 1 ? 'is' : 'are'} under My apps. `}
          <Link to={tab === 'mine' ? '/applications?tab=third-party' : '/applications'}>{tab === 'mine' ? 'Show third-party apps' : 'Show my apps'}</Link>
        </p>
      )}
      <p className="muted">{tab === 'mine'
        ? 'Create an app for each of your own web, single-page, native or machine-to-machine apps: they sign users in without a consent screen.'
        : 'Third-party apps are partners’ apps that sign your users in through Sesame; users see a consent screen.'}</p>
      <button type="button" onClick={onCreate}>Create application</button>
    </EmptyState>
  );
}
