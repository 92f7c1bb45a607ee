import { useCallback, useState, type FormEvent } from 'react';
import { ApiError, errorMessage, query } from '../api/client.ts';
import type { ApiResource, Page } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Link, navigate, useQueryParam } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { FormError, TextField } from '../ui/fields.tsx';
import { PageHeader } from '../ui/page-header.tsx';
import { Pagination } from '../ui/pagination.tsx';
import { SearchBox } from '../ui/search-box.tsx';
import { EmptyState, ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

const limit = 20;

export function ResourcesPage() {
  const api = useApi();
  const q = useQueryParam('q') ?? '';
  const offset = Number(useQueryParam('offset') ?? 0) || 0;
  const [creating, setCreating] = useState(false);
  const resources = useLoad(() => api<Page<ApiResource>>('GET', `/resources${query({ q, limit, offset })}`), [q, offset]);
  const onSearch = useCallback((text: string) => navigate(`/resources${query({ q: text })}`, { replace: true }), []);
  return (
    <section aria-labelledby="resources-title">
      <PageHeader id="resources-title" title="API resources" actions={<button type="button" onClick={() => setCreating(true)}>Create API resource</button>}>
        <p className="muted">Your APIs (RFC 8707 resource indicators). Apps ask for their scopes; access tokens for them are JWTs with the indicator as audience.</p>
      </PageHeader>
      <div className="toolbar"><SearchBox label="Search API resources" value={q} onSearch={onSearch} /></div>
      {resources.loading && !resources.data ? <Loading /> : resources.error ? <ErrorState message={resources.error} onRetry={resources.reload} /> : resources.data?.data.length === 0 ? (
        <EmptyState title={q ? `No API resource matches “${q}”` : 'No API resources yet'} />
      ) : resources.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">API resources</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Indicator</th><th scope="col">Scopes</th></tr></thead>
              <tbody>
                {resources.data.data.map((r) => (
                  <tr key={r.id}>
                    <td><Link to={`/resources/${encodeURIComponent(r.id)}`}>{r.name}</Link></td>
                    <td className="mono">{r.indicator}</td>
                    <td className="nowrap">{r.scopes.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination offset={offset} limit={limit} total={resources.data.total} onChange={(o) => navigate(`/resources${query({ q, offset: o || undefined })}`, { replace: true })} label="API resources" />
        </>
      )}
      <CreateResourceDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateResourceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const api = useApi();
  const toast = useToast();
  const [name, setName] = useState('');
  const [indicator, setIndicator] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const close = () => { setName(''); setIndicator(''); setErrors({}); setFormError(undefined); onClose(); };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    try {
      const resource = await api<ApiResource>('POST', '/resources', { name, indicator });
      toast(`${resource.name} created`);
      close();
      navigate(`/resources/${encodeURIComponent(resource.id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.fields.length) setErrors(error.fieldErrors());
      else setFormError(errorMessage(error));
    }
  };
  return (
    <Dialog title="Create API resource" open={open} onClose={close}>
      <form onSubmit={submit}>
        <TextField label="API name" required value={name} onChange={(e) => setName(e.target.value)} error={errors['/name']} autoFocus />
        <TextField label="API identifier" required value={indicator} onChange={(e) => setIndicator(e.target.value)} error={errors['/indicator']} placeholder="https://api.example.com" hint="An absolute URI, sent by apps as the resource parameter. It cannot be changed later." />
        <FormError message={formError} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={close}>Cancel</button>
          <button type="submit" disabled={!name.trim() || !indicator.trim()}>Create API resource</button>
        </div>
      </form>
    </Dialog>
  );
}
