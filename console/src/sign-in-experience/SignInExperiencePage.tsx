import { useEffect, useMemo, useState } from 'react';
import type { SignInExperience } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { useUnsavedChangesGuard } from '../router.tsx';
import { Checkbox, FormError, TextField } from '../ui/fields.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { PageHeader } from '../ui/page-header.tsx';
import { usePreviewLogo } from '../ui/preview-logo.tsx';
import { useLoad } from '../ui/use-load.ts';

const languages = [
  { code: 'en', label: 'English' },
  { code: 'fr', label: 'Français' },
  { code: 'ja', label: '日本語' },
  { code: 'ko', label: '한국어' },
  { code: 'ru', label: 'Русский' },
];

interface Form { product_name: string; logo_url: string; logo_dark_url: string; primary_color: string; default_language: string; self_registration: boolean; require_verified_email: boolean }

/** How Sesame's own pages (sign-in, sign-up, consent) look and behave. */
export function SignInExperiencePage() {
  const api = useApi();
  const settings = useLoad(() => api<SignInExperience>('GET', '/sign-in-experience'), []);
  return (
    <section aria-labelledby="sie-title">
      <PageHeader id="sie-title" title="Sign-in experience">
        <p className="muted">What users see on Sesame’s sign-in, sign-up and consent pages.</p>
      </PageHeader>
      {settings.loading && !settings.data ? <Loading /> : settings.error || !settings.data
        ? <ErrorState message={settings.error ?? ''} onRetry={settings.reload} />
        : <SignInExperienceForm saved={settings.data} onSaved={settings.set} />}
    </section>
  );
}

function SignInExperienceForm({ saved, onSaved }: { saved: SignInExperience; onSaved: (s: SignInExperience) => void }) {
  const api = useApi();
  const toast = useToast();
  const initial = useMemo<Form>(() => ({
    product_name: saved.product_name ?? '',
    logo_url: saved.logo_url ?? '',
    logo_dark_url: saved.logo_dark_url ?? '',
    primary_color: saved.primary_color ?? '#4f46e5',
    default_language: saved.default_language ?? 'en',
    self_registration: saved.self_registration ?? false,
    require_verified_email: saved.require_verified_email ?? false,
  }), [saved]);
  const [form, setForm] = useState(initial);
  const { busy: saving, errors, formError, handle } = useFormSubmit();
  useEffect(() => setForm(initial), [initial]);
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  useUnsavedChangesGuard(dirty);
  const set = (key: keyof Form, value: string | boolean) => setForm((f) => ({ ...f, [key]: value }));
  const { logo, note } = usePreviewLogo({ url: form.logo_url, letter: 'S', tileClass: 'cp-idp', page: 'sign-in page' });
  const submit = handle(async () => {
    const next = await api<SignInExperience>('PUT', '/sign-in-experience', {
      product_name: form.product_name.trim(),
      logo_url: form.logo_url.trim() || null,
      logo_dark_url: form.logo_dark_url.trim() || null,
      primary_color: form.primary_color,
      default_language: form.default_language,
      self_registration: form.self_registration,
      require_verified_email: form.require_verified_email,
    });
    onSaved(next);
    toast('Sign-in experience saved');
  }, () => 'Some fields need fixing.');
  return (
    <div className="branding-layout">
      <form className="card" onSubmit={submit} noValidate aria-label="Sign-in experience settings">
        <TextField label="Product name" required maxLength={64} value={form.product_name} onChange={(e) => set('product_name', e.target.value)} error={errors['/product_name']} hint="Shown as the title of the sign-in page." />
        <TextField label="Logo URL" type="url" value={form.logo_url} onChange={(e) => set('logo_url', e.target.value)} error={errors['/logo_url']} hint="https (http only on localhost). Shown above the sign-in form." />
        <TextField label="Dark logo URL" type="url" value={form.logo_dark_url} onChange={(e) => set('logo_dark_url', e.target.value)} error={errors['/logo_dark_url']} hint="For dark mode; the light logo is used when empty." />
        <div className="field">
          <label htmlFor="primary-color">Primary colour</label>
          <div className="copy-row">
            <input id="primary-color" type="color" value={form.primary_color} onChange={(e) => set('primary_color', e.target.value)} aria-describedby="primary-color-text" />
            <code id="primary-color-text">{form.primary_color}</code>
          </div>
          {errors['/primary_color'] && <p className="field-error">{errors['/primary_color']}</p>}
        </div>
        <div className="field">
          <label htmlFor="default-language">Default language</label>
          <select id="default-language" value={form.default_language} onChange={(e) => set('default_language', e.target.value)}>
            {languages.map((l) => <option key={l.code} value={l.code}>{l.label}</option>)}
          </select>
          <p className="hint">Used when neither ui_locales nor the browser’s languages match a shipped language.</p>
        </div>
        <Checkbox label="Allow self-registration" checked={form.self_registration} onChange={(e) => set('self_registration', e.target.checked)} hint="Shows Create account on the sign-in page." />
        <Checkbox label="Require a verified email to sign in" checked={form.require_verified_email} onChange={(e) => set('require_verified_email', e.target.checked)} hint="After their password, people whose email address is not verified are asked for a code emailed to them. Needs email (Emails page)." />
        <FormError message={formError} />
        <div className="form-actions">
          {dirty && <span className="muted">Unsaved changes</span>}
          <button type="button" className="secondary" disabled={!dirty || saving} onClick={() => setForm(initial)}>Discard</button>
          <button type="submit" disabled={!dirty || saving}>Save changes</button>
        </div>
      </form>
      <section className="card preview-card" aria-labelledby="sie-preview">
        <h2 id="sie-preview">Preview</h2>
        <div className="consent-preview" role="figure" aria-label="Sign-in page preview" style={{ ['--brand' as string]: form.primary_color }}>
          <div className="cp-logos">{logo}</div>
          {note && <p className="cp-logo-note" role="note">{note}</p>}
          <p className="cp-title">{form.product_name || 'Sesame'}</p>
          <div className="cp-input">Username or email</div>
          <div className="cp-input">Password</div>
          <div className="cp-button" style={{ background: form.primary_color }}>Sign in</div>
          <p className="cp-muted"><span className="cp-link">Forgot password?</span></p>
          {form.self_registration && <p className="cp-muted">No account? <span className="cp-link">Create account</span></p>}
        </div>
      </section>
    </div>
  );
}
