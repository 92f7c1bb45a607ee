import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';
import type { ApiResource, ResourceScope } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { DangerAction, DangerZone } from '../ui/danger-zone.tsx';
import { TextField } from '../ui/fields.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';
import { CopyField } from '../ui/copy-button.tsx';
import { ScopeDialog } from './ScopeDialog.tsx';
import { languages } from '../../../src/i18n/languages.ts';

/** The languages a scope's description is translated into, in the order the console lists them. */
const translatedInto = (scope: ResourceScope) => languages.filter((l) => scope.description_translations[l.code]).map((l) => l.native).join(', ');

export function ResourceDetailsPage({ id }: { id: string }) {
  const api = useApi();
  const toast = useToast();
  const path = `/resources/${encodeURIComponent(id)}`;
  const resource = useLoad(() => api<ApiResource>('GET', path), [path]);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<ResourceScope>();
  const [deleting, setDeleting] = useState(false);
  const [deletingScope, setDeletingScope] = useState<ResourceScope>();
  const [name, setName] = useState<string>();
  const [ttl, setTtl] = useState<string>();
  const [format, setFormat] = useState<ApiResource['access_token_format']>();
  const [errors, setErrors] = useState<Record<string, string>>({});

  if (resource.loading && !resource.data) return <Loading />;
  if (resource.error || !resource.data) return <><p><Link to="/resources">← API resources</Link></p><ErrorState message={resource.error ?? ''} onRetry={resource.reload} /></>;
  const current = resource.data;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    try {
      const saved = await api<ApiResource>('PATCH', path, {
        name: name ?? current.name,
        access_token_ttl: (ttl ?? String(current.access_token_ttl ?? '')).trim() ? Number(ttl ?? current.access_token_ttl) : null,
        access_token_format: format ?? current.access_token_format,
      });
      resource.set(saved);
      setName(undefined);
      setTtl(undefined);
      setFormat(undefined);
      toast('API resource saved');
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) setErrors(e.fieldErrors());
      else toast(errorMessage(e), 'error');
    }
  };
  const removeScope = async (scope: ResourceScope) => {
    await api('DELETE', `${path}/scopes/${encodeURIComponent(scope.id)}`);
    resource.reload();
    toast(`Scope ${scope.name} deleted`);
  };
  const remove = async () => {
    await api('DELETE', path);
    toast(`${current.name} deleted`);
    navigate('/resources', { force: true });
  };

  return (
    <section aria-labelledby="resource-title">
      <p><Link to="/resources">← API resources</Link></p>
      <PageHeader id="resource-title" title={current.name} />
      <form className="card" onSubmit={save} noValidate aria-labelledby="resource-general">
        <h2 id="resource-general">General</h2>
        <CopyField label="API identifier" value={current.indicator} />
        <TextField label="API name" value={name ?? current.name} onChange={(e) => setName(e.target.value)} error={errors['/name']} />
        <TextField label="Access token lifetime (seconds)" type="number" min={60} max={86400} value={ttl ?? String(current.access_token_ttl ?? '')} onChange={(e) => setTtl(e.target.value)} error={errors['/access_token_ttl']} hint="Empty for Sesame’s default. For third-party apps the shorter of this and the app’s lifetime (5 minutes by default) applies." />
        <div className="field">
          <label htmlFor="access-token-format">Access token format</label>
          <select id="access-token-format" value={format ?? current.access_token_format} onChange={(e) => setFormat(e.target.value as ApiResource['access_token_format'])}>
            <option value="jwt">JWT (RFC 9068): the API checks it on its own</option>
            <option value="opaque">Opaque: the API checks it at the introspection endpoint</option>
          </select>
          <p className="hint">An API checks a JWT on its own, so Revoke access stops it only when it expires. An opaque token stops at once: the API asks Sesame’s introspection endpoint, authenticating as a machine-to-machine app allowed a scope of this API.</p>
        </div>
        <div className="form-actions">
          <button type="submit" disabled={name === undefined && ttl === undefined && format === undefined}>Save changes</button>
        </div>
      </form>
      <section className="card" aria-labelledby="scopes-title">
        <div className="section-header">
          <h2 id="scopes-title">Scopes</h2>
          <button type="button" onClick={() => setAdding(true)}>Create scope</button>
        </div>
        {current.scopes.length === 0 ? <EmptyState title="No scopes yet" /> : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Scopes</caption>
              <thead><tr><th scope="col">Scope</th><th scope="col">Description (shown to users)</th><th scope="col">Translations</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {current.scopes.map((s) => (
                  <tr key={s.id}>
                    <td className="mono">{s.name}</td>
                    <td>{s.description || <span className="muted">—</span>}</td>
                    <td>{translatedInto(s) || <span className="muted">—</span>}</td>
                    <td className="row-actions">
                      <button type="button" className="secondary small" aria-label={`Edit scope ${s.name}`} onClick={() => setEditing(s)}>Edit</button>
                      <button type="button" className="secondary small" aria-label={`Delete scope ${s.name}`} onClick={() => setDeletingScope(s)}>Delete</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ScopeDialog open={adding} onClose={() => setAdding(false)} path={`${path}/scopes`} onSaved={resource.reload} />
      <ScopeDialog open={editing !== undefined} onClose={() => setEditing(undefined)} path={`${path}/scopes`} scope={editing} onSaved={resource.reload} />
      <DangerZone>
        <DangerAction title="Delete this API resource" action={<button type="button" className="danger" onClick={() => setDeleting(true)}>Delete API resource</button>}>
          Its scopes are removed from every role and app, and no new token is issued for it. This cannot be undone.
        </DangerAction>
      </DangerZone>
      <ConfirmDialog title="Delete scope" open={!!deletingScope} onClose={() => setDeletingScope(undefined)} onConfirm={() => removeScope(deletingScope!)} confirmLabel="Delete scope">
        <p>
          <strong className="mono">{deletingScope?.name}</strong> is removed from every role and app that has it: tokens issued
          from now on leave it out. Tokens already issued keep it until they expire.
        </p>
      </ConfirmDialog>
      <ConfirmDialog title="Delete API resource" open={deleting} onClose={() => setDeleting(false)} onConfirm={remove} confirmLabel="Delete">
        <p>Deleting <strong>{current.name}</strong> removes its scopes from every role and app. Tokens already issued for it stay valid until they expire.</p>
      </ConfirmDialog>
    </section>
  );
}
