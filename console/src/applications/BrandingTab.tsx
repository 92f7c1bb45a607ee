import { useEffect, useMemo, useState } from 'react';
import type { Application, Branding, Permissions } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { useUnsavedChangesGuard } from '../router.tsx';
import { FormError, TextField } from '../ui/fields.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { useLoad } from '../ui/use-load.ts';
import { ConsentPreview } from './ConsentPreview.tsx';

type Form = Record<keyof Branding, string>;
const empty: Form = { display_name: '', logo_url: '', logo_dark_url: '', terms_url: '', privacy_url: '' };
const formOf = (b: Branding): Form => ({
  display_name: b.display_name ?? '',
  logo_url: b.logo_url ?? '',
  logo_dark_url: b.logo_dark_url ?? '',
  terms_url: b.terms_url ?? '',
  privacy_url: b.privacy_url ?? '',
});

/** How the app presents itself on the consent screen, with a live preview of that screen. */
export function BrandingTab({ app }: { app: Application }) {
  const api = useApi();
  const path = `/applications/${encodeURIComponent(app.id)}`;
  const branding = useLoad(() => api<Branding>('GET', `${path}/branding`), [path]);
  const permissions = useLoad(() => api<Permissions>('GET', `${path}/permissions`), [path]);
  if (branding.loading && !branding.data) return <Loading />;
  if (branding.error || !branding.data) return <ErrorState message={branding.error ?? ''} onRetry={branding.reload} />;
  return <BrandingForm app={app} saved={branding.data} onSaved={branding.set} permissions={permissions.data} />;
}

function BrandingForm({ app, saved, onSaved, permissions }: { app: Application; saved: Branding; onSaved: (b: Branding) => void; permissions?: Permissions }) {
  const api = useApi();
  const toast = useToast();
  const initial = useMemo(() => formOf(saved), [saved]);
  const [form, setForm] = useState<Form>(initial);
  const { busy: saving, errors, formError, reset, handle } = useFormSubmit();
  const [dark, setDark] = useState(false);
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  useUnsavedChangesGuard(dirty);
  useEffect(() => setForm(initial), [initial]);

  const set = (key: keyof Form, value: string) => setForm((f) => ({ ...f, [key]: value }));
  const submit = handle(async () => {
    const body = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim() ? v.trim() : null]));
    const next = await api<Branding>('PUT', `/applications/${encodeURIComponent(app.id)}/branding`, body);
    onSaved(next);
    toast('Branding saved');
  }, () => 'Some fields need fixing: see the messages next to them.');

  return (
    <div className="branding-layout">
      <form onSubmit={submit} className="card" noValidate aria-labelledby="branding-title">
        <h2 id="branding-title">Consent screen branding</h2>
        <TextField label="Display name" maxLength={256} value={form.display_name} onChange={(e) => set('display_name', e.target.value)} error={errors['/display_name']} hint={`Shown instead of “${app.name}” when set.`} />
        <TextField label="Logo URL" type="url" value={form.logo_url} onChange={(e) => set('logo_url', e.target.value)} error={errors['/logo_url']} placeholder="https://app.example.com/logo.svg" />
        <TextField label="Dark logo URL" type="url" value={form.logo_dark_url} onChange={(e) => set('logo_dark_url', e.target.value)} error={errors['/logo_dark_url']} hint="Used when the user’s device is in dark mode." />
        <TextField label="Terms of use URL" type="url" value={form.terms_url} onChange={(e) => set('terms_url', e.target.value)} error={errors['/terms_url']} />
        <TextField label="Privacy policy URL" type="url" value={form.privacy_url} onChange={(e) => set('privacy_url', e.target.value)} error={errors['/privacy_url']} />
        <FormError message={formError} />
        <div className="form-actions">
          {dirty && <span className="muted">Unsaved changes</span>}
          <button type="button" className="secondary" disabled={!dirty || saving} onClick={() => { setForm(initial); reset(); }}>Discard</button>
          <button type="submit" disabled={!dirty || saving}>{saving ? 'Saving…' : 'Save branding'}</button>
        </div>
      </form>
      <section className="card preview-card" aria-labelledby="preview-title">
        <div className="section-header">
          <h2 id="preview-title">Preview</h2>
          <div className="segmented" role="group" aria-label="Preview theme">
            <button type="button" aria-pressed={!dark} onClick={() => setDark(false)}>Light</button>
            <button type="button" aria-pressed={dark} onClick={() => setDark(true)}>Dark</button>
          </div>
        </div>
        <ConsentPreview app={app} branding={form} permissions={permissions} dark={dark} />
      </section>
    </div>
  );
}
