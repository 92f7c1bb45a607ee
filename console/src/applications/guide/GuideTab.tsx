import type { Application, Guide } from '../../api/types.ts';
import { useApi } from '../../auth/session.tsx';
import { ErrorState, Loading } from '../../ui/states.tsx';
import { useLoad } from '../../ui/use-load.ts';
import { fillSecret, navigationSecret } from './fill-secret.ts';
import { GuideExternalIdp } from './GuideExternalIdp.tsx';
import { GuideFlow } from './GuideFlow.tsx';
import { GuideSamples } from './GuideSamples.tsx';
import { GuideScopes } from './GuideScopes.tsx';
import { GuideValues } from './GuideValues.tsx';
import { InlineText } from './InlineText.tsx';
import './guide.css';

/**
 * The app's integration guide, as the server writes it from the app's values (GET /api/applications/{id}/guide).
 * A client secret the admin was just shown (by Create application, kept by the app's page until dismissed, or by a
 * new secret's dialog, with the navigation) is filled in here, in this browser only.
 */
export function GuideTab({ app, clientSecret }: { app: Application; clientSecret?: string }) {
  const api = useApi();
  const path = `/applications/${encodeURIComponent(app.id)}`;
  // Reloaded when the app changes (a redirect URI saved in Settings), so the samples use it.
  const loaded = useLoad(() => api<Guide>('GET', `${path}/guide`), [path, app.updated_at]);
  if (loaded.loading && !loaded.data) return <Loading />;
  if (loaded.error || !loaded.data) return <ErrorState message={loaded.error ?? 'The guide could not be loaded.'} onRetry={loaded.reload} />;
  const secret = loaded.data.client_secret ? clientSecret ?? navigationSecret() : undefined;
  const guide = fillSecret(loaded.data, secret);
  return (
    <div className="guide">
      <p className="muted">
        Everything a developer needs to connect <strong>{app.name}</strong> to Sesame, filled in with this app&apos;s values.
      </p>
      {guide.warnings.map((warning) => <p key={warning} className="callout" role="note"><strong>Before you start:</strong> <InlineText text={warning} /></p>)}
      <GuideValues guide={guide} secret={secret} base={path} />
      <GuideScopes scopes={guide.scopes} />
      <GuideFlow flow={guide.flow} />
      {guide.external_idp && <GuideExternalIdp section={guide.external_idp} />}
      <GuideSamples samples={guide.samples} />
      <SendGuide guide={guide} path={path} withSecret={!!secret} />
    </div>
  );
}

/** The same guide as a Markdown file, to send to whoever writes the app. */
function SendGuide({ guide, path, withSecret }: { guide: Guide; path: string; withSecret: boolean }) {
  const download = () => {
    const url = URL.createObjectURL(new Blob([guide.markdown], { type: 'text/markdown' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${guide.client_id}-integration-guide.md`;
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <section className="card" aria-labelledby="guide-send-title">
      <h2 id="guide-send-title">Send this guide</h2>
      <p>
        The same guide as one Markdown file, for the app&apos;s developers.
        {withSecret ? ' It holds the client secret shown above: send it only over a channel fit for secrets.' : ' It holds no client secret.'}
      </p>
      <p><button type="button" className="secondary" onClick={download}>Download as Markdown</button></p>
      <p className="hint">Through the Management API: <code>GET /api{path}/guide.md</code></p>
    </section>
  );
}
