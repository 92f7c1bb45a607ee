import type { Guide } from '../../api/types.ts';
import { InlineText } from './InlineText.tsx';

/** Which flow the app's type uses, and what that asks of its code. */
export function GuideFlow({ flow }: { flow: Guide['flow'] }) {
  return (
    <section className="card" aria-labelledby="guide-flow-title">
      <h2 id="guide-flow-title">Flow: {flow.title}</h2>
      <dl className="guide-facts">
        <dt>Grant types</dt><dd>{flow.grant_types.map((g, i) => <span key={g}>{i > 0 && ', '}<code>{g}</code></span>)}</dd>
        <dt>Token endpoint authentication</dt><dd><code>{flow.token_endpoint_auth_method}</code></dd>
        <dt>PKCE</dt><dd>{flow.pkce === 'none' ? 'Not used' : <>{flow.pkce === 'required' ? 'Required' : 'Optional'}, <code>S256</code></>}</dd>
      </dl>
      <ul>{flow.points.map((point) => <li key={point}><InlineText text={point} /></li>)}</ul>
    </section>
  );
}
