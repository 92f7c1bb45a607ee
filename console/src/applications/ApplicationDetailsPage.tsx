import { useState } from 'react';
import type { Application } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate } from '../router.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { DangerAction, DangerZone } from '../ui/danger-zone.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { TabPanel, Tabs } from '../ui/tabs.tsx';
import { useLoad } from '../ui/use-load.ts';
import { appTypeLabels } from './app-types.ts';
import { BrandingTab } from './BrandingTab.tsx';
import { ConsentTab } from './ConsentTab.tsx';
import { DeleteApplicationDialog } from './DeleteApplicationDialog.tsx';
import { EndpointsTab } from './EndpointsTab.tsx';
import { GuideTab } from './guide/GuideTab.tsx';
import { PermissionsTab } from './PermissionsTab.tsx';
import { SettingsTab } from './SettingsTab.tsx';

/** One application: Settings, Endpoints & credentials, Permissions for third-party and m2m apps, Branding for third-party apps. */
export function ApplicationDetailsPage({ id, tab }: { id: string; tab?: string }) {
  const api = useApi();
  const app = useLoad(() => api<Application>('GET', `/applications/${encodeURIComponent(id)}`), [id]);
  const [deleting, setDeleting] = useState(false);
  // The first secret of a new confidential app arrives once, with the navigation from Create application.
  const [createdSecret, setCreatedSecret] = useState<string | undefined>(() => (window.history.state as { clientSecret?: string } | null)?.clientSecret);

  if (app.loading && !app.data) return <Loading />;
  if (app.error || !app.data) {
    return (
      <>
        <p><Link to="/applications">← Applications</Link></p>
        <ErrorState message={app.error ?? 'Not found'} onRetry={app.reload} />
      </>
    );
  }
  const current = app.data;
  const tabs = [
    { id: 'settings', label: 'Settings' },
    { id: 'guide', label: 'Guide' },
    { id: 'endpoints', label: 'Endpoints & credentials' },
    // A machine-to-machine app has an allowlist too: the API resource scopes it may obtain for itself.
    ...(current.third_party || current.type === 'm2m' ? [{ id: 'permissions', label: 'Permissions' }] : []),
    ...(current.third_party ? [{ id: 'branding', label: 'Branding' }, { id: 'consent', label: 'Consent' }] : []),
  ];
  const selected = tabs.some((t) => t.id === tab) ? tab! : 'settings';
  const base = `/applications/${encodeURIComponent(current.id)}`;

  return (
    <section aria-labelledby="app-title">
      <p><Link to={current.third_party ? '/applications?tab=third-party' : '/applications'}>← Applications</Link></p>
      <PageHeader id="app-title" title={current.name}>
        <p className="badges">
          <span className="badge">{appTypeLabels[current.type]}</span>
          {current.third_party && <span className="badge badge-accent">Third-party app</span>}
          <span className="muted client-id">Client ID <code>{current.client_id}</code> <CopyButton value={current.client_id} label="Client ID" /></span>
          <Link to={`/audit-events?client_id=${encodeURIComponent(current.id)}`} className="small-text">Audit events of this app</Link>
        </p>
      </PageHeader>
      {createdSecret && (
        <div className="callout" role="status">
          <p><strong>Copy the client secret now.</strong> It is shown only this once; Sesame keeps only a hash.</p>
          <div className="copy-row">
            <code className="secret-value" aria-label="Client secret">{createdSecret}</code>
            <CopyButton value={createdSecret} label="Client secret" />
          </div>
          <button type="button" className="secondary small" onClick={() => { setCreatedSecret(undefined); window.history.replaceState(null, ''); }}>I have saved it</button>
        </div>
      )}
      <Tabs tabs={tabs} selected={selected} onSelect={(t) => navigate(`${base}/${t}`)} label="Application details" idPrefix="app" />
      <TabPanel idPrefix="app" selected={selected}>
        {selected === 'settings' && (
          <>
            <SettingsTab app={current} onSaved={app.set} />
            <DangerZone>
              <DangerAction title="Delete this application" action={<button type="button" className="danger" onClick={() => setDeleting(true)}>Delete application</button>}>
                Its secrets, and every grant and token issued to it, are deleted, and its users are signed out of it. This cannot be undone.
              </DangerAction>
            </DangerZone>
          </>
        )}
        {selected === 'guide' && <GuideTab app={current} clientSecret={createdSecret} />}
        {selected === 'endpoints' && <EndpointsTab app={current} />}
        {selected === 'permissions' && <PermissionsTab app={current} />}
        {selected === 'branding' && <BrandingTab app={current} />}
        {selected === 'consent' && <ConsentTab app={current} />}
      </TabPanel>
      <DeleteApplicationDialog app={current} open={deleting} onClose={() => setDeleting(false)} />
    </section>
  );
}
