import type { Guide } from '../../api/types.ts';
import { CopyButton } from '../../ui/copy-button.tsx';
import { InlineText } from './InlineText.tsx';

/** For services that accept an external OpenID Connect provider: which value goes in which field of their form. */
export function GuideExternalIdp({ section }: { section: NonNullable<Guide['external_idp']> }) {
  return (
    <section className="card" aria-labelledby="guide-idp-title">
      <h2 id="guide-idp-title">Services that accept an external OpenID Connect provider</h2>
      <p><InlineText text={section.intro} /></p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Values for the service&apos;s form</caption>
          <thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col" className="hide-narrow">Note</th></tr></thead>
          <tbody>
            {section.fields.map((field) => (
              <tr key={field.label}>
                <th scope="row">{field.label}</th>
                <td>
                  {field.value ? (
                    <span className="copy-row"><code>{field.value}</code><CopyButton value={field.value} label={`${field.label} for the service`} /></span>
                  ) : <span className="muted">(empty)</span>}
                </td>
                <td className="hide-narrow muted">{field.note && <InlineText text={field.note} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="callout guide-callback"><strong>Callback URL.</strong> <InlineText text={section.callback} /></p>
    </section>
  );
}
