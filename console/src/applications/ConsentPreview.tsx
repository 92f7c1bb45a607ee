import type { Application, Permissions } from '../api/types.ts';
import { usePreviewLogo } from '../ui/preview-logo.tsx';
import { userScopeDescriptions } from './app-types.ts';

interface BrandingDraft { display_name: string; logo_url: string; logo_dark_url: string; terms_url: string; privacy_url: string }

/** The consent screen as a user will see it (src/pages/consent.page.ts), drawn from the unsaved form. */
export function ConsentPreview({ app, branding, permissions, dark }: { app: Application; branding: BrandingDraft; permissions?: Permissions; dark: boolean }) {
  const name = branding.display_name.trim() || app.name;
  const logo = dark ? (branding.logo_dark_url || branding.logo_url) : (branding.logo_url || branding.logo_dark_url);
  const userScopes = ['openid', ...(permissions?.user_scopes ?? [])];
  const byResource = new Map<string, { name: string; scopes: string[] }>();
  for (const s of permissions?.resource_scopes ?? []) {
    const group = byResource.get(s.resource_id) ?? { name: s.resource_name, scopes: [] };
    group.scopes.push(s.description || s.name);
    byResource.set(s.resource_id, group);
  }
  const destination = app.redirect_uris[0] ? safeHost(app.redirect_uris[0]) : 'the app';
  const { logo: shownLogo, note } = usePreviewLogo({ url: logo, letter: name.slice(0, 1).toUpperCase(), tileClass: 'cp-letter', page: 'consent screen' });
  return (
    <div className={dark ? 'consent-preview dark' : 'consent-preview'} aria-label="Consent screen preview" role="figure" data-testid="consent-preview">
      <div className="cp-logos">
        {shownLogo}
        <span aria-hidden="true">⋯</span>
        <span className="cp-logo cp-idp">S</span>
      </div>
      {note && <p className="cp-logo-note" role="note">{note}</p>}
      <p className="cp-title">{name} wants to access your account</p>
      <p className="cp-muted">Signed in as Ada Lovelace · <span className="cp-link">Not you?</span></p>
      <div className="cp-group">
        <p className="cp-legend">Your information</p>
        <ul>{userScopes.map((s) => <li key={s}>☑ {userScopeDescriptions[s] ?? s}</li>)}</ul>
      </div>
      {[...byResource.values()].map((group) => (
        <div className="cp-group" key={group.name}>
          <p className="cp-legend">Access to {group.name}</p>
          <ul>{group.scopes.map((s) => <li key={s}>☑ {s}</li>)}</ul>
        </div>
      ))}
      {(branding.terms_url || branding.privacy_url) && (
        <p className="cp-muted">
          Before you allow access, read how {name} uses your data:{' '}
          {branding.terms_url && <span className="cp-link">Terms of use</span>}
          {branding.terms_url && branding.privacy_url && ' · '}
          {branding.privacy_url && <span className="cp-link">Privacy policy</span>}
        </p>
      )}
      <p className="cp-muted">You will be sent to {destination}.</p>
      <div className="cp-button">Authorize</div>
      <div className="cp-button cp-secondary">Cancel</div>
    </div>
  );
}

function safeHost(uri: string): string {
  try {
    const url = new URL(uri);
    return url.origin !== 'null' ? url.origin : `${url.protocol}//`;
  } catch {
    return uri;
  }
}
