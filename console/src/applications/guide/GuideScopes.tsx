import type { Guide } from '../../api/types.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { InlineText } from './InlineText.tsx';

/** The scopes the app may ask for, and the APIs (resource indicators) it may ask tokens for. */
export function GuideScopes({ scopes }: { scopes: Guide['scopes'] }) {
  return (
    <section className="card" aria-labelledby="guide-scopes-title">
      <h2 id="guide-scopes-title">Scopes the app may ask for</h2>
      {scopes.user.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">OpenID Connect scopes</caption>
            <thead><tr><th scope="col">Scope</th><th scope="col">What it gives</th></tr></thead>
            <tbody>
              {scopes.user.map((scope) => (
                <tr key={scope.name}>
                  <td><code>{scope.name}</code> <CopyButton value={scope.name} label={`scope ${scope.name}`} /></td>
                  <td><InlineText text={scope.description} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {scopes.resources.map((resource) => (
        <div key={resource.indicator} className="guide-resource">
          <h3>{resource.name}</h3>
          <div className="copy-row">
            <span className="muted">Resource indicator</span> <code>{resource.indicator}</code>
            <CopyButton value={resource.indicator} label={`resource indicator ${resource.indicator}`} />
          </div>
          {resource.scopes.length ? (
            <ul className="guide-scope-list">
              {resource.scopes.map((scope) => (
                <li key={scope.name}>
                  <code>{scope.name}</code> <CopyButton value={scope.name} label={`scope ${scope.name} of ${resource.name}`} /> <span className="muted">{scope.description}</span>
                </li>
              ))}
            </ul>
          ) : <p className="hint">No scopes: ask for the resource alone.</p>}
        </div>
      ))}
      {scopes.notes.map((note) => <p key={note} className="hint"><InlineText text={note} /></p>)}
    </section>
  );
}
