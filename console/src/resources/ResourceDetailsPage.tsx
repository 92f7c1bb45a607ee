import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';
import type { ApiResource, ResourceScope } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { TextField } from '../ui/fields.tsx';
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
  const [name, setName] = useState<string>();
  const [ttl, setTtl] = useState<string>();
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
      });
      resource.set(saved);
      setName(undefined);
      setTtl(undefined);
      toast('API resource saved');
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) setErrors(e.fieldErrors());
      else toast(errorMessage(e), 'error');
    }
  };
  const removeScope = async (scope: ResourceScope) => {
    try {
      await api('DELETE', `${path}/scopes/${encodeURIComponent(scope.id)}`);
      resource.reload();
      toast(`Scope ${scope.name} deleted`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  const remove = async () => {
    try {
      await api('DELETE', path);
      toast(`${current.name} deleted`);
      navigate('/resources', { force: true });
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  return (
    <section aria-labelledby="resource-title">
      <p><Link to="/resources">← API resources</Link></p>
      <div className="page-header">
        <h1 id="resource-title">{current.name}</h1>
        <button type="button" className="danger" onClick={() => setDeleting(true)}>Delete API resource</button>
      </div>
      <form className="card" onSubmit={save} noValidate aria-labelledby="resource-general">
        <h2 id="resource-general">General</h2>
        <CopyField label="API identifier" value={current.indicator} />
        <TextField label="API name" value={name ?? current.name} onChange={(e) => setName(e.target.value)} error={errors['/name']} />
        <TextField label="Access token lifetime (seconds)" type="number" min={60} max={86400} value={ttl ?? String(current.access_token_ttl ?? '')} onChange={(e) => setTtl(e.target.value)} error={errors['/access_token_ttl']} hint="Empty for Sesame’s default." />
        <div className="form-actions">
          <button type="submit" disabled={name === undefined && ttl === undefined}>Save changes</button>
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
                      <button type="button" className="secondary small" aria-label={`Delete scope ${s.name}`} onClick={() => removeScope(s)}>Delete</button>
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
      <Dialog title="Delete API resource" open={deleting} onClose={() => setDeleting(false)}>
        <p>Deleting <strong>{current.name}</strong> removes its scopes from every role and app. Tokens already issued for it stay valid until they expire.</p>
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={() => setDeleting(false)}>Cancel</button>
          <button type="button" className="danger" onClick={remove}>Delete</button>
        </div>
      </Dialog>
    </section>
  );
}
