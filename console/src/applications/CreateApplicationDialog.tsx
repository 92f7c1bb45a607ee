import { useState } from 'react';
import type { AppType, CreatedApplication } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { navigate } from '../router.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { FormError, TextArea, TextField } from '../ui/fields.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useFormSubmit } from '../ui/use-form-submit.ts';
import { appTypes, mayBeThirdParty } from '../../../src/apps/app-types.ts';
import { appTypeDescriptions, appTypeLabels } from './app-types.ts';

interface Choice { type: AppType; thirdParty: boolean }

const firstParty: readonly AppType[] = appTypes;
const thirdParty = appTypes.filter(mayBeThirdParty);

/** Create application: pick a type (or Third-party app > a type), then a name and description. */
export function CreateApplicationDialog({ open, onClose, initialThirdParty }: { open: boolean; onClose: () => void; initialThirdParty: boolean }) {
  const api = useApi();
  const toast = useToast();
  const [choice, setChoice] = useState<Choice>();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { busy, errors, formError, reset, handle } = useFormSubmit();

  const close = () => {
    setChoice(undefined);
    setName('');
    setDescription('');
    reset();
    onClose();
  };

  const submit = handle(async () => {
    if (!choice) return;
    const app = await api<CreatedApplication>('POST', '/applications', {
      name,
      ...(description.trim() ? { description } : {}),
      type: choice.type,
      third_party: choice.thirdParty,
    });
    toast(`${app.name} created`);
    close();
    // The guide comes first: what to copy into the app, with the new secret filled in (shown this once).
    navigate(`/applications/${encodeURIComponent(app.id)}/guide`, { state: app.client_secret ? { clientSecret: app.client_secret } : null });
  }, (error) => {
    const unshown = error.fields.filter((f) => f.pointer !== '/name' && f.pointer !== '/description');
    return unshown.length ? unshown.map((f) => f.detail).join(' ') : undefined;
  });

  const option = (type: AppType, third: boolean) => {
    const id = `app-type-${third ? 'third-' : ''}${type}`;
    const selected = choice?.type === type && choice.thirdParty === third;
    return (
      <label key={id} className={selected ? 'type-option selected' : 'type-option'} htmlFor={id}>
        <input
          type="radio"
          id={id}
          name="app-type"
          aria-label={third ? `Third-party ${appTypeLabels[type]}` : appTypeLabels[type]}
          aria-describedby={`${id}-description`}
          checked={selected}
          onChange={() => setChoice({ type, thirdParty: third })}
        />
        <span className="type-name">{appTypeLabels[type]}</span>
        <span className="type-description muted" id={`${id}-description`}>{third ? thirdPartyDescription(type) : appTypeDescriptions[type]}</span>
      </label>
    );
  };

  return (
    <Dialog title="Create application" open={open} onClose={close} wide>
      <form onSubmit={submit}>
        <fieldset className="type-group">
          <legend>Application type</legend>
          {initialThirdParty ? null : <div className="type-grid">{firstParty.map((t) => option(t, false))}</div>}
          <fieldset className="type-subgroup">
            <legend>Third-party app</legend>
            <p className="hint">A partner’s app that signs your users in through Sesame. Users see a consent screen with its branding.</p>
            <div className="type-grid">{thirdParty.map((t) => option(t, true))}</div>
          </fieldset>
          {initialThirdParty ? (
            <details>
              <summary>Your own apps</summary>
              <div className="type-grid">{firstParty.map((t) => option(t, false))}</div>
            </details>
          ) : null}
        </fieldset>
        {choice && (
          <div className="create-details">
            <TextField label="Application name" required maxLength={256} value={name} onChange={(e) => setName(e.target.value)} error={errors['/name']} autoFocus />
            <TextArea label="Description" maxLength={2048} value={description} onChange={(e) => setDescription(e.target.value)} error={errors['/description']} />
          </div>
        )}
        <FormError message={formError} />
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={close}>Cancel</button>
          <button type="submit" disabled={!choice || !name.trim() || busy}>{busy ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </Dialog>
  );
}

function thirdPartyDescription(type: AppType): string {
  return {
    traditional: 'A partner’s server-rendered web app with a client secret.',
    spa: 'A partner’s browser app; PKCE, no secret.',
    native: 'A partner’s mobile or desktop app, such as an AI assistant or an editor.',
    m2m: '',
  }[type];
}
