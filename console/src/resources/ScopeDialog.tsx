import { useEffect, useState } from 'react';
import type { ResourceScope } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { FormError, TextField } from '../ui/fields.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { languages } from '../../../src/i18n/languages.ts';

type Translations = Record<string, string>;

const blank = (): Translations => Object.fromEntries(languages.map((l) => [l.code, '']));

/**
 * Create a scope, or edit one's descriptions: the default description and one per language of the consent screen,
 * which shows the person's language, else the default, else the scope's name. The server's messages show at
 * their fields (`/description_translations/fr`).
 */
export function ScopeDialog({ open, onClose, path, scope, onSaved }: {
  open: boolean;
  onClose: () => void;
  /** The resource's scopes collection, `/resources/:id/scopes`. */
  path: string;
  /** The scope to edit; absent to create one. */
  scope?: ResourceScope;
  onSaved: () => void;
}) {
  const api = useApi();
  const toast = useToast();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [translations, setTranslations] = useState<Translations>(blank);
  const { busy, errors, formError, reset, handle } = useFormSubmit();

  useEffect(() => {
    if (!open) return;
    setName(scope?.name ?? '');
    setDescription(scope?.description ?? '');
    setTranslations({ ...blank(), ...scope?.description_translations });
    reset();
  }, [open, scope]);

  const submit = handle(async () => {
    const body = { description, description_translations: translations };
    if (scope) await api('PATCH', `${path}/${encodeURIComponent(scope.id)}`, body);
    else await api('POST', path, { name, ...body });
    toast(scope ? `Scope ${scope.name} saved` : `Scope ${name} created`);
    onSaved();
    onClose();
  }, (error) => {
    const shown = new Set(['/name', '/description', ...languages.map((l) => `/description_translations/${l.code}`)]);
    const others = error.fields.filter((f) => !shown.has(f.pointer));
    return others.length ? others.map((f) => f.detail).join(' ') : 'Some fields need fixing: see the messages next to them.';
  });

  return (
    <Dialog title={scope ? `Edit scope ${scope.name}` : 'Create scope'} open={open} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        {!scope && (
          <TextField label="Scope name" required value={name} onChange={(e) => setName(e.target.value)} error={errors['/name']} placeholder="read:notes" autoFocus />
        )}
        <TextField
          label="Scope description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={errors['/description']}
          hint="Users read this on the consent screen, like “Read your notes”, when their language has no translation below."
          autoFocus={Boolean(scope)}
        />
        <fieldset className="field">
          <legend>Translations</legend>
          <p className="hint">Shown instead of the description to people whose language it is. Leave one empty to show the description.</p>
          {languages.map((l) => (
            <TextField
              key={l.code}
              label={`Description in ${l.name}`}
              lang={l.code}
              value={translations[l.code] ?? ''}
              onChange={(e) => setTranslations((t) => ({ ...t, [l.code]: e.target.value }))}
              error={errors[`/description_translations/${l.code}`]}
              hint={l.native === l.name ? undefined : l.native}
            />
          ))}
          {errors['/description_translations'] && <p className="field-error">{errors['/description_translations']}</p>}
        </fieldset>
        <FormError message={formError} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={busy || (!scope && !name.trim())}>{busy ? 'Saving…' : scope ? 'Save scope' : 'Create scope'}</button>
        </div>
      </form>
    </Dialog>
  );
}
