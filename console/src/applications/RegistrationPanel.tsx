import { useEffect, useMemo, useState } from 'react';
import type { RegistrationPolicy } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { registrationModes, type RegistrationMode } from '../../../src/registration/registration-modes.ts';
import { Checkbox, FormError, TextField } from '../ui/fields.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';

const modeLabels: Record<RegistrationMode, string> = {
  off: 'Off: refused',
  approval: 'Approval: wait for an admin',
  open: 'Open: sign people in at once',
};

interface Form {
  dcr: RegistrationMode; cimd: RegistrationMode; allowed_domains: string; initial_access_token_required: boolean; unused_app_days: string;
  default_user_scopes: string; default_resource_scopes: string;
}

const formOf = (p: RegistrationPolicy): Form => ({
  dcr: p.dcr, cimd: p.cimd, allowed_domains: p.allowed_domains.join('\n'),
  initial_access_token_required: p.initial_access_token_required, unused_app_days: String(p.unused_app_days),
  default_user_scopes: p.default_user_scopes.join(' '),
  default_resource_scopes: p.default_resource_scopes.map((r) => `${r.indicator}#${r.scope}`).join('\n'),
});

/** INDICATOR#SCOPE per line, as the CLI takes it; a line without `#` is sent as it is for the server to refuse. */
const resourceScopesOf = (text: string) => text.split(/\s+/).filter(Boolean).map((line) => {
  const at = line.lastIndexOf('#');
  return at > 0 ? { indicator: line.slice(0, at), scope: line.slice(at + 1) } : { indicator: line, scope: '' };
});

/**
 * Registration settings: whether apps that arrive by themselves (AI agents, MCP clients, CLIs) may register
 * (RFC 7591) or name themselves by a client ID metadata document, and whether they wait for an admin.
 */
export function RegistrationPanel() {
  const api = useApi();
  const policy = useLoad(() => api<RegistrationPolicy>('GET', '/registration'), []);
  return (
    <section className="card" aria-labelledby="registration-title">
      <h2 id="registration-title">Registration settings</h2>
      <p className="muted">Apps that register themselves — AI agents, MCP clients, command-line tools — are always third-party: users see a consent screen, and they never get Management API access.</p>
      {policy.loading && !policy.data ? <Loading /> : policy.error || !policy.data
        ? <ErrorState message={policy.error ?? ''} onRetry={policy.reload} />
        : <RegistrationForm saved={policy.data} onSaved={policy.set} />}
    </section>
  );
}

function RegistrationForm({ saved, onSaved }: { saved: RegistrationPolicy; onSaved: (p: RegistrationPolicy) => void }) {
  const api = useApi();
  const toast = useToast();
  const initial = useMemo(() => formOf(saved), [saved]);
  const [form, setForm] = useState(initial);
  useEffect(() => setForm(initial), [initial]);
  const { busy, errors, formError, handle } = useFormSubmit();
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const submit = handle(async () => {
    onSaved(await api<RegistrationPolicy>('PUT', '/registration', {
      dcr: form.dcr,
      cimd: form.cimd,
      allowed_domains: form.allowed_domains.split(/\s+/).filter(Boolean),
      initial_access_token_required: form.initial_access_token_required,
      unused_app_days: Number(form.unused_app_days),
      default_user_scopes: form.default_user_scopes.split(/[\s,]+/).filter(Boolean),
      default_resource_scopes: resourceScopesOf(form.default_resource_scopes),
    }));
    toast('Registration settings saved');
  }, () => 'Some fields need fixing.');
  const domainError = Object.entries(errors).find(([pointer]) => pointer.startsWith('/allowed_domains'))?.[1];
  const defaultScopeError = Object.entries(errors).find(([pointer]) => pointer.startsWith('/default_'))?.[1];
  return (
    <form onSubmit={submit} noValidate aria-label="Registration settings">
      <div className="field">
        <label htmlFor="reg-dcr">Dynamic registration (RFC 7591)</label>
        <select id="reg-dcr" value={form.dcr} onChange={(e) => set('dcr', e.target.value as RegistrationMode)}>
          {registrationModes.map((m) => <option key={m} value={m}>{modeLabels[m]}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="reg-cimd">Client ID metadata documents</label>
        <select id="reg-cimd" value={form.cimd} onChange={(e) => set('cimd', e.target.value as RegistrationMode)} aria-describedby="reg-cimd-hint">
          {registrationModes.map((m) => <option key={m} value={m}>{modeLabels[m]}</option>)}
        </select>
        <p className="hint" id="reg-cimd-hint">Apps whose client ID is the https address of a document describing them.</p>
      </div>
      <div className="field">
        <label htmlFor="reg-domains">Allowed domains</label>
        <textarea id="reg-domains" rows={3} value={form.allowed_domains} onChange={(e) => set('allowed_domains', e.target.value)}
          aria-invalid={domainError ? true : undefined} aria-describedby="reg-domains-hint" />
        <p className="hint" id="reg-domains-hint">One per line. Redirect addresses (or the metadata document) must be on one of these domains or under it; empty allows any.</p>
        {domainError && <p className="field-error">{domainError}</p>}
      </div>
      <Checkbox label="Require an initial access token" checked={form.initial_access_token_required}
        onChange={(e) => set('initial_access_token_required', e.target.checked)}
        hint="Dynamic registration then needs a token you create (npm run sesame -- registration token create)." />
      <div className="field">
        <label htmlFor="reg-default-resource-scopes">Default API permissions</label>
        <textarea id="reg-default-resource-scopes" rows={2} value={form.default_resource_scopes}
          onChange={(e) => set('default_resource_scopes', e.target.value)} placeholder="https://mcp.example.com#mcp:tools"
          aria-invalid={defaultScopeError ? true : undefined} aria-describedby="reg-default-resource-scopes-hint" />
        <p className="hint" id="reg-default-resource-scopes-hint">One per line, as API address#scope. A new app that registers itself is allowed these (of those it asks for), so in open mode it needs no step from you.</p>
        {defaultScopeError && <p className="field-error">{defaultScopeError}</p>}
      </div>
      <TextField label="Default user data scopes" value={form.default_user_scopes} placeholder="profile email"
        onChange={(e) => set('default_user_scopes', e.target.value)}
        hint="Separated by spaces: profile, email, phone, address or roles. Also given to each new app, of those it asks for." />
      <TextField label="Remove apps unused for (days)" type="number" min={1} max={3650} value={form.unused_app_days}
        onChange={(e) => set('unused_app_days', e.target.value)} error={errors['/unused_app_days']} />
      <FormError message={formError} />
      <div className="form-actions">
        {dirty && <span className="muted">Unsaved changes</span>}
        <button type="button" className="secondary" disabled={!dirty || busy} onClick={() => setForm(initial)}>Discard</button>
        <button type="submit" disabled={!dirty || busy}>Save registration settings</button>
      </div>
    </form>
  );
}
