import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import type { Application, ClientSecret, CreatedSecret, Endpoints } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { navigate } from '../router.tsx';
import { CopyButton, CopyField } from '../ui/copy-button.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { FormError, TextField } from '../ui/fields.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';
import { formatDate, isConfidential } from './app-types.ts';

export function EndpointsTab({ app }: { app: Application }) {
  const api = useApi();
  const endpoints = useLoad(() => api<Endpoints>('GET', `/applications/${encodeURIComponent(app.id)}/endpoints`), [app.id]);
  const [details, setDetails] = useState(false);
  return (
    <>
      <section className="card" aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints</h2>
        {endpoints.loading ? <Loading /> : endpoints.error || !endpoints.data ? <ErrorState message={endpoints.error ?? ''} onRetry={endpoints.reload} /> : (
          <>
            <CopyField label="Issuer" value={endpoints.data.issuer} />
            <CopyField label="Discovery endpoint" value={endpoints.data.discovery} />
            <CopyField label="JWKS URI" value={endpoints.data.jwks_uri} />
            <button type="button" className="link-button" aria-expanded={details} aria-controls="endpoint-details" onClick={() => setDetails((d) => !d)}>
              {details ? 'Hide endpoint details' : 'Show endpoint details'}
            </button>
            {details && (
              <div id="endpoint-details">
                <CopyField label="Authorization endpoint" value={endpoints.data.authorization_endpoint} />
                <CopyField label="Token endpoint" value={endpoints.data.token_endpoint} />
                <CopyField label="Userinfo endpoint" value={endpoints.data.userinfo_endpoint} />
                <CopyField label="End session endpoint" value={endpoints.data.end_session_endpoint} />
                <CopyField label="Revocation endpoint" value={endpoints.data.revocation_endpoint} />
                <CopyField label="Introspection endpoint" value={endpoints.data.introspection_endpoint} />
              </div>
            )}
          </>
        )}
      </section>
      <section className="card" aria-labelledby="credentials-title">
        <h2 id="credentials-title">Credentials</h2>
        <CopyField label="Client ID" value={app.client_id} />
        {isConfidential(app.type) ? <Secrets app={app} /> : (
          <p className="muted">
            {app.type === 'spa' ? 'A single page app' : 'A native app'} is a public client: it has no client secret and
            proves itself with PKCE (S256) instead.
          </p>
        )}
      </section>
    </>
  );
}

function Secrets({ app }: { app: Application }) {
  const api = useApi();
  const toast = useToast();
  const path = `/applications/${encodeURIComponent(app.id)}/secrets`;
  const secrets = useLoad(() => api<{ data: ClientSecret[] }>('GET', path), [path]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ClientSecret>();

  const remove = async (secret: ClientSecret) => {
    try {
      await api('DELETE', `${path}/${encodeURIComponent(secret.id)}`);
      toast(`Secret ${secret.name} deleted`);
      setDeleting(undefined);
      secrets.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  return (
    <div className="secrets">
      <div className="section-header">
        <h3>Client secrets</h3>
        <button type="button" onClick={() => setCreating(true)}>Create secret</button>
      </div>
      <p className="muted">Several secrets can be valid at once, so you can rotate without downtime: create a new one, deploy it, then delete the old one.</p>
      {secrets.loading && !secrets.data ? <Loading /> : secrets.error ? <ErrorState message={secrets.error} onRetry={secrets.reload} /> : secrets.data?.data.length === 0 ? (
        <EmptyState title="No client secrets">
          <p className="muted">This app cannot authenticate at the token endpoint until it has one.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Client secrets</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Secret</th><th scope="col">Expires</th><th scope="col" className="hide-narrow">Created</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {secrets.data?.data.map((secret) => (
                <tr key={secret.id}>
                  <td>{secret.name}</td>
                  <td className="mono">••••{secret.last_chars}</td>
                  <td>{secret.expires_at ? formatDate(secret.expires_at) : 'Never'} {secret.expired && <span className="badge badge-danger">Expired</span>}</td>
                  <td className="hide-narrow">{formatDate(secret.created_at)}</td>
                  <td><button type="button" className="secondary small" aria-label={`Delete secret ${secret.name}`} onClick={() => setDeleting(secret)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateSecretDialog path={path} open={creating} onClose={() => setCreating(false)} onCreated={secrets.reload} />
      <Dialog title="Delete secret" open={!!deleting} onClose={() => setDeleting(undefined)}>
        <p>Anything that still uses <strong>{deleting?.name}</strong> (••••{deleting?.last_chars}) stops authenticating at once.</p>
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={() => setDeleting(undefined)}>Cancel</button>
          <button type="button" className="danger" onClick={() => deleting && remove(deleting)}>Delete secret</button>
        </div>
      </Dialog>
    </div>
  );
}

function CreateSecretDialog({ path, open, onClose, onCreated }: { path: string; open: boolean; onClose: () => void; onCreated: () => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('');
  const [created, setCreated] = useState<CreatedSecret>();
  const { busy, errors, formError, reset, handle } = useFormSubmit();

  const close = () => {
    setName('');
    setExpiry('');
    setCreated(undefined);
    reset();
    onClose();
  };

  const submit = handle(async () => {
    // A date means the end of that day, local time.
    const expiresAt = expiry ? new Date(`${expiry}T23:59:59`).toISOString() : null;
    const secret = await api<CreatedSecret>('POST', path, { name, expires_at: expiresAt });
    setCreated(secret);
    onCreated();
  });

  return (
    <Dialog title={created ? 'Secret created' : 'Create secret'} open={open} onClose={close}>
      {created ? (
        <div>
          <p><strong>Copy this secret now.</strong> It is shown only once: Sesame keeps only a hash of it.</p>
          <div className="copy-row">
            <code className="secret-value" aria-label="Secret value">{created.value}</code>
            <CopyButton value={created.value} label="Secret value" />
          </div>
          <div className="dialog-actions">
            <button type="button" className="secondary" onClick={() => { close(); navigate(`${path.replace(/\/secrets$/, '')}/guide`, { state: { clientSecret: created.value } }); }}>Show it in the guide</button>
            <button type="button" onClick={close}>Done</button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit}>
          <TextField label="Secret name" required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} error={errors['/name']} hint="Say where it is used, like “Production server”." autoFocus />
          <TextField label="Expiry date" type="date" value={expiry} onChange={(e) => setExpiry(e.target.value)} error={errors['/expires_at']} hint="Leave empty for a secret that never expires." />
          <FormError message={formError} />
          <div className="dialog-actions">
            <button type="button" className="secondary" onClick={close}>Cancel</button>
            <button type="submit" disabled={!name.trim() || busy}>{busy ? 'Creating…' : 'Create secret'}</button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
