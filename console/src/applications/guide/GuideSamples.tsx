import { useState } from 'react';
import type { Guide } from '../../api/types.ts';
import { TabPanel, Tabs } from '../../ui/tabs.tsx';
import { CodeBlock } from './CodeBlock.tsx';
import { InlineText } from './InlineText.tsx';

/** The code samples for the app's type, one per language or library, filled in with its values. */
export function GuideSamples({ samples }: { samples: Guide['samples'] }) {
  const [selected, setSelected] = useState(samples[0]?.id ?? '');
  const sample = samples.find((s) => s.id === selected) ?? samples[0];
  if (!sample) return null;
  return (
    <section className="card" aria-labelledby="guide-samples-title">
      <h2 id="guide-samples-title">Code samples</h2>
      <Tabs
        tabs={samples.map((s) => ({ id: s.id, label: `${s.platform} · ${s.library}` }))}
        selected={sample.id}
        onSelect={setSelected}
        label="Code samples"
        idPrefix="sample"
      />
      <TabPanel idPrefix="sample" selected={sample.id}>
        <p><InlineText text={sample.summary} /></p>
        {sample.install && <CodeBlock caption="Install" code={sample.install} language="shell" />}
        {sample.files.map((file) => <CodeBlock key={file.name} caption={file.name} code={file.code} language={file.language} />)}
        {sample.run && <CodeBlock caption="Run" code={sample.run} language="shell" />}
        {sample.notes.length > 0 && <ul className="hint">{sample.notes.map((note) => <li key={note}><InlineText text={note} /></li>)}</ul>}
      </TabPanel>
    </section>
  );
}
