import { useState } from 'react';
import { useToast } from './toasts.tsx';

/** Copies `value`; `label` names what is copied so each button has its own accessible name. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const toast = useToast();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 2000);
      toast(`${label} copied`);
    } catch {
      toast('Copying is not allowed here: select the text and copy it yourself.', 'error');
    }
  };
  return (
    <button type="button" className="secondary small" onClick={copy} aria-label={`Copy ${label}`}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** A read-only value with a copy button, labelled for people and tests. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = `copy-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} className="mono" />
        <CopyButton value={value} label={label} />
      </div>
    </div>
  );
}
