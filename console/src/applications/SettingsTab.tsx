import { useMemo, useState, type ReactNode } from 'react';
import { query } from '../api/client.ts';
import type { ApiResource, Application, Page } from '../api/types.ts';
import { useApi, useSession } from '../auth/session.tsx';
import { useUnsavedChangesGuard } from '../router.tsx';
import { Checkbox, FormError, TextArea, TextField } from '../ui/fields.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';
import { UriListField } from '../ui/uri-list-field.tsx';
import { isConfidential, mayUseDeviceFlow } from './app-types.ts';

interface Form {
  name: string;
  description: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  cors_origins: string[];
  refresh_token_ttl_days: string;
  rotate_refresh_token: boolean;
  backchannel_logout_uri: string;
  backchannel_logout_session_required: boolean;
  device_flow: boolean;
  management_access: boolean;
  default_resource: string;
  dpop_bound_access_tokens: boolean;
  verified_domain: string;
  access_token_ttl: string;
  consent_durations: 'default' | 'on' | 'off';
}

type ListField = 'redirect_uris' | 'post_logout_redirect_uris' | 'cors_origins';

function formOf(app: Application): Form {
  return {
    name: app.name,
    description: app.description ?? '',
    redirect_uris: app.redirect_uris,
    post_logout_redirect_uris: app.post_logout_redirect_uris,
    cors_origins: app.cors_origins,
    refresh_token_ttl_days: String(app.refresh_token_ttl_days),
    rotate_refresh_token: app.rotate_refresh_token,
    backchannel_logout_uri: app.backchannel_logout_uri ?? '',
    backchannel_logout_session_required: app.backchannel_logout_session_required,
    device_flow: app.device_flow,
    management_access: app.management_access,
    default_resource: app.default_resource ?? '',
    dpop_bound_access_tokens: app.dpop_bound_access_tokens,
    verified_domain: app.verified_domain ?? '',
    access_token_ttl: app.access_token_ttl === null ? '' : String(app.access_token_ttl),
    consent_durations: app.consent_durations === null ? 'default' : app.consent_durations ? 'on' : 'off',
  };
}

/** Rows left empty are dropped before saving; this maps the saved list's indexes back to the rows. */
function compact(rows: string[]): { values: string[]; rowOf: number[] } {
  const values: string[] = [];
  const rowOf: number[] = [];
  rows.forEach((row, i) => {
    if (row.trim()) {
      values.push(row.trim());
      rowOf.push(i);
    }
  });
  return { values, rowOf };
}

const redirectHints: Record<Application['type'], string> = {
  traditional: 'Where Sesame sends users back after sign-in, matched exactly: https (http only on localhost).',
  spa: 'Where Sesame sends users back after sign-in, matched exactly: https (http only on localhost).',
  native: 'A custom scheme (com.example.app:/callback), a loopback address (http://127.0.0.1/callback, any port), or an https link the app claims.',
  m2m: '',
};

export function SettingsTab({ app, onSaved }: { app: Application; onSaved: (app: Application) => void }) {
  const api = useApi();
  const toast = useToast();
  const initial = useMemo(() => formOf(app), [app]);
  const [form, setForm] = useState<Form>(initial);
  const { busy: saving, errors, formError, reset, handle } = useFormSubmit();
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  useUnsavedChangesGuard(dirty);

  const interactive = app.type !== 'm2m';
  const browser = app.type === 'spa' || app.type === 'traditional';
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const lists = {
    redirect_uris: compact(form.redirect_uris),
    post_logout_redirect_uris: compact(form.post_logout_redirect_uris),
    cors_origins: compact(form.cors_origins),
  };

  const rowErrors = (field: ListField): Record<number, string> => {
    const result: Record<number, string> = {};
    for (const [pointer, detail] of Object.entries(errors)) {
      const m = new RegExp(`^/${field}/(\\d+)`).exec(pointer);
      if (m) result[lists[field].rowOf[Number(m[1])] ?? Number(m[1])] = detail;
    }
    return result;
  };

  const submit = handle(async () => {
    const body: Record<string, unknown> = {
      name: form.name,
      description: form.description.trim() ? form.description : null,
      refresh_token_ttl_days: Number(form.refresh_token_ttl_days),
      access_token_ttl: form.access_token_ttl.trim() ? Number(form.access_token_ttl) : null,
    };
    if (app.third_party) body.consent_durations = form.consent_durations === 'default' ? null : form.consent_durations === 'on';
    if (interactive) {
      body.redirect_uris = lists.redirect_uris.values;
      body.post_logout_redirect_uris = lists.post_logout_redirect_uris.values;
      body.rotate_refresh_token = form.rotate_refresh_token;
      body.backchannel_logout_uri = form.backchannel_logout_uri.trim() || null;
      body.backchannel_logout_session_required = form.backchannel_logout_session_required;
    }
    if (browser) body.cors_origins = lists.cors_origins.values;
    body.default_resource = form.default_resource || null;
    body.dpop_bound_access_tokens = form.dpop_bound_access_tokens;
    if (mayUseDeviceFlow(app.type)) body.device_flow = form.device_flow;
    if (!app.third_party) body.management_access = form.management_access;
    if (app.third_party) body.verified_domain = form.verified_domain.trim() || null;
    const saved = await api<Application>('PATCH', `/applications/${encodeURIComponent(app.id)}`, body);
    setForm(formOf(saved));
    onSaved(saved);
    toast('Settings saved');
  }, () => 'Some settings need fixing: see the messages next to them.');

  return (
    <form onSubmit={submit} className="settings-form" noValidate>
      <section className="card" aria-labelledby="general-title">
        <h2 id="general-title">General</h2>
        <TextField label="Application name" required maxLength={256} value={form.name} onChange={(e) => set('name', e.target.value)} error={errors['/name']} />
        <TextArea label="Description" maxLength={2048} value={form.description} onChange={(e) => set('description', e.target.value)} error={errors['/description']} />
      </section>
      {interactive && (
        <section className="card" aria-labelledby="uris-title">
          <h2 id="uris-title">URIs</h2>
          <UriListField
            label="Redirect URIs"
            hint={redirectHints[app.type]}
            values={form.redirect_uris}
            onChange={(v) => set('redirect_uris', v)}
            errors={rowErrors('redirect_uris')}
            error={errors['/redirect_uris']}
            placeholder={app.type === 'native' ? 'com.example.app:/callback' : 'https://app.example.com/callback'}
          />
          <UriListField
            label="Post sign-out redirect URIs"
            hint="Where the app may send users after they sign out (RP-initiated logout)."
            values={form.post_logout_redirect_uris}
            onChange={(v) => set('post_logout_redirect_uris', v)}
            errors={rowErrors('post_logout_redirect_uris')}
            error={errors['/post_logout_redirect_uris']}
          />
          {browser && (
            <UriListField
              label="CORS allowed origins"
              hint="The origins of the redirect URIs are always allowed; add other origins that call Sesame from a browser."
              values={form.cors_origins}
              onChange={(v) => set('cors_origins', v)}
              errors={rowErrors('cors_origins')}
              error={errors['/cors_origins']}
              placeholder="https://app.example.com"
            />
          )}
        </section>
      )}
      {interactive && (
        <section className="card" aria-labelledby="logout-title">
          <h2 id="logout-title">Sign-out</h2>
          <TextField
            label="Back-channel logout URI"
            type="url"
            maxLength={2048}
            placeholder="https://app.example.com/backchannel-logout"
            value={form.backchannel_logout_uri}
            onChange={(e) => set('backchannel_logout_uri', e.target.value)}
            error={errors['/backchannel_logout_uri']}
            hint="Sesame posts a signed logout token here when a person's session ends (they sign out, are signed out everywhere, suspended, or get a new password), retrying until the app accepts it. https; http only on localhost. Leave empty for none."
          />
          <Checkbox
            label="Send the session ID (sid)"
            checked={form.backchannel_logout_session_required}
            onChange={(e) => set('backchannel_logout_session_required', e.target.checked)}
            hint="ID tokens and logout tokens carry sid, so the app can end exactly the session that ended."
          />
        </section>
      )}
      {mayUseDeviceFlow(app.type) && (
        <section className="card" aria-labelledby="device-title">
          <h2 id="device-title">Device flow</h2>
          <Checkbox
            label="Allow the device flow"
            checked={form.device_flow}
            onChange={(e) => set('device_flow', e.target.checked)}
            hint="For a CLI or TV without a handy browser (RFC 8628): the app shows a short code, and the person enters it at /oidc/device on their phone or computer, then signs in (and consents, for a third-party app). Off unless the app needs it: a code can be phished by someone who sends it to a person to enter."
          />
          {errors['/device_flow'] && <p className="field-error" role="alert">{errors['/device_flow']}</p>}
        </section>
      )}
      {interactive && (
        <section className="card" aria-labelledby="refresh-title">
          <h2 id="refresh-title">Refresh tokens</h2>
          <TextField
            label="Refresh token lifetime (days)"
            type="number"
            min={1}
            max={3650}
            value={form.refresh_token_ttl_days}
            onChange={(e) => set('refresh_token_ttl_days', e.target.value)}
            error={errors['/refresh_token_ttl_days']}
            hint="Apps get refresh tokens when they ask for offline_access."
          />
          <Checkbox
            label="Rotate refresh tokens"
            checked={isConfidential(app.type) ? form.rotate_refresh_token : true}
            disabled={!isConfidential(app.type)}
            onChange={(e) => set('rotate_refresh_token', e.target.checked)}
            hint={isConfidential(app.type)
              ? 'Each use returns a new refresh token; a replayed one revokes the whole grant.'
              : 'Public clients always rotate their refresh tokens.'}
          />
        </section>
      )}
      <AccessTokens
        form={form}
        onChange={(key, value) => set(key, value)}
        errors={errors}
      >
        <TextField
          label="Access token lifetime (seconds)"
          type="number"
          min={60}
          max={86400}
          value={form.access_token_ttl}
          onChange={(e) => set('access_token_ttl', e.target.value)}
          error={errors['/access_token_ttl']}
          hint={app.third_party
            ? 'Empty for Sesame’s default for third-party apps (5 minutes unless SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL says otherwise). An API checks a JWT access token on its own until it expires, so this is how long Revoke access may take to stop this app; an API resource with a shorter lifetime wins.'
            : 'Empty for Sesame’s default (SESAME_ACCESS_TOKEN_TTL, or the API resource’s). The shorter of this and the API resource’s lifetime applies.'}
        />
        {app.third_party && (
          <div className="field">
            <label htmlFor="consent-durations">How long consent lasts</label>
            <select id="consent-durations" value={form.consent_durations} onChange={(e) => set('consent_durations', e.target.value as Form['consent_durations'])}>
              <option value="default">Sesame’s default (SESAME_CONSENT_DURATIONS)</option>
              <option value="on">People choose: this time only, 30 days, or until they revoke</option>
              <option value="off">Remembered until revoked or SESAME_GRANT_TTL ends it</option>
            </select>
            <p className="hint">On the consent screen, “for this time only” authorizes once and asks again next time (no refresh token).</p>
          </div>
        )}
      </AccessTokens>
      {app.third_party && (
        <section className="card" aria-labelledby="trust-title">
          <h2 id="trust-title">Publisher</h2>
          <TextField
            label="Verified domain"
            maxLength={253}
            placeholder="example.com"
            value={form.verified_domain}
            onChange={(e) => set('verified_domain', e.target.value)}
            error={errors['/verified_domain']}
            hint="A domain you checked belongs to this app's publisher. The consent screen then shows a Verified badge when the app sends people there (or names itself by a metadata document there); apps that registered themselves without one show a warning. Leave empty for none."
          />
        </section>
      )}
      {!app.third_party && (
        <ManagementAccess app={app} checked={form.management_access} onChange={(on) => set('management_access', on)} error={errors['/management_access']} />
      )}
      <FormError message={formError} />
      <div className="form-actions sticky-actions">
        {dirty && <span className="muted">Unsaved changes</span>}
        <button type="button" className="secondary" disabled={!dirty || saving} onClick={() => { setForm(initial); reset(); }}>Discard</button>
        <button type="submit" disabled={!dirty || saving}>{saving ? 'Saving…' : 'Save changes'}</button>
      </div>
    </form>
  );
}

/**
 * What the app's access tokens are for when it names no API (RFC 8707 `resource`), and whether they must be bound to
 * its key (DPoP). The list offers every registered API; the server refuses one the app may not use, and says why.
 */
function AccessTokens({ form, onChange, errors, children }: {
  form: Form;
  /** The lifetime and consent fields, set by the tab itself. */
  children?: ReactNode;
  onChange: <K extends 'default_resource' | 'dpop_bound_access_tokens'>(key: K, value: Form[K]) => void;
  errors: Record<string, string>;
}) {
  const api = useApi();
  const resources = useLoad(() => api<Page<ApiResource>>('GET', `/resources${query({ limit: 100 })}`), []);
  const known = resources.data?.data ?? [];
  const listed = form.default_resource && !known.some((r) => r.indicator === form.default_resource)
    ? [...known.map((r) => ({ indicator: r.indicator, name: r.name })), { indicator: form.default_resource, name: form.default_resource }]
    : known.map((r) => ({ indicator: r.indicator, name: r.name }));
  return (
    <section className="card" aria-labelledby="access-tokens-title">
      <h2 id="access-tokens-title">Access tokens</h2>
      {children}
      <div className="field">
        <label htmlFor="default-resource">Default API resource</label>
        <select
          id="default-resource"
          value={form.default_resource}
          onChange={(e) => onChange('default_resource', e.target.value)}
          aria-describedby="default-resource-hint"
          disabled={resources.loading}
        >
          <option value="">None (use the global default, if one is set)</option>
          {listed.map((r) => <option key={r.indicator} value={r.indicator}>{r.name} — {r.indicator}</option>)}
        </select>
        <p className="hint" id="default-resource-hint">
          For apps that do not send a resource parameter, such as some AI agents: their tokens are for this API, with the
          scopes the person granted. A third-party app must first be allowed one of its scopes under Permissions.
        </p>
        {resources.error && <p className="field-error">The API resources could not be loaded: {resources.error}</p>}
        {errors['/default_resource'] && <p className="field-error">{errors['/default_resource']}</p>}
      </div>
      <Checkbox
        label="Require DPoP"
        checked={form.dpop_bound_access_tokens}
        onChange={(e) => onChange('dpop_bound_access_tokens', e.target.checked)}
        hint="Every token request must carry a DPoP proof (RFC 9449), so a stolen access token or refresh token is useless without the app's private key. Turn it on only once the app sends DPoP proofs."
      />
      {errors['/dpop_bound_access_tokens'] && <p className="field-error">{errors['/dpop_bound_access_tokens']}</p>}
    </section>
  );
}

/**
 * Whether a first-party or m2m app may hold Management API tokens; third-party apps never may (the server
 * refuses it too), so they are not offered it.
 */
function ManagementAccess({ app, checked, onChange, error }: { app: Application; checked: boolean; onChange: (on: boolean) => void; error?: string }) {
  const { config } = useSession();
  const what = app.type === 'm2m'
    ? <>With its client credentials, this app can get access tokens for Sesame’s Management API (resource <code>{config.managementApi}</code>, scope <code>management</code>), and with them do everything an admin can in this console: create, change and delete apps, secrets, users, roles and API resources. Give it only to automation you trust.</>
    : <>Admins who sign in to this app get access tokens for Sesame’s Management API (resource <code>{config.managementApi}</code>, scope <code>management</code>), so the app can manage Sesame for them as this console does. Other users never get one.</>;
  return (
    <section className="card" aria-labelledby="management-title">
      <h2 id="management-title">Management API</h2>
      <Checkbox
        label="Management API access"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        hint={<>{what} Turning it off refuses the app’s management tokens at once.</>}
      />
      {error && <p className="field-error">{error}</p>}
    </section>
  );
}
