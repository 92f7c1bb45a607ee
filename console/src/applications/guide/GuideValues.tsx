import type { Guide } from '../../api/types.ts';
import { Link } from '../../router.tsx';
import { CopyButton, CopyField } from '../../ui/copy-button.tsx';

/** The values a developer copies first: issuer and discovery URL, client ID and secret, redirect URIs. */
export function GuideValues({ guide, secret, base }: { guide: Guide; secret: string | undefined; base: string }) {
  return (
    <section className="card" aria-labelledby="guide-values-title">
      <h2 id="guide-values-title">Configuration</h2>
      <CopyField label="Issuer" value={guide.issuer} />
      <CopyField label="Discovery URL" value={guide.discovery_url} />
      <CopyField label="Client ID" value={guide.client_id} />
      {guide.client_secret && (secret ? (
        <>
          <CopyField label="Client secret" value={secret} />
          <p className="hint guide-secret-note">Shown only now: Sesame keeps only a hash. It is filled into the samples below.</p>
        </>
      ) : (
        <div className="field">
          <span className="field-label">Client secret</span>
          <p className="hint">
            The samples show <code>{guide.client_secret.placeholder}</code>. Sesame keeps only a hash of each secret, so it was shown
            once, when it was created. If it is lost, create a new one under <Link to={`${base}/endpoints`}>Endpoints &amp; credentials</Link>;
            the old one keeps working until you delete it.
          </p>
        </div>
      ))}
      {guide.type !== 'm2m' && (
        <>
          <UriList title="Redirect URIs" item="Redirect URI" uris={guide.redirect_uris} base={base} />
          <UriList title="Post-logout redirect URIs" item="Post-logout redirect URI" uris={guide.post_logout_redirect_uris} base={base} />
        </>
      )}
    </section>
  );
}

function UriList({ title, item, uris, base }: { title: string; item: string; uris: string[]; base: string }) {
  return (
    <div className="field">
      <span className="field-label">{title}</span>
      {uris.length === 0 ? (
        <p className="hint">None yet: add them under <Link to={`${base}/settings`}>Settings</Link>.</p>
      ) : (
        <ul className="guide-uris">
          {uris.map((uri, i) => (
            <li key={uri} className="copy-row">
              <code>{uri}</code>
              <CopyButton value={uri} label={`${item} ${i + 1}`} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
