import { CopyButton } from '../../ui/copy-button.tsx';

/** A block of code or a command, named by its caption, with a copy button; the page shows exactly what is copied. */
export function CodeBlock({ caption, code, language }: { caption: string; code: string; language: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span>{caption}</span>
        <CopyButton value={code} label={caption} />
      </figcaption>
      <pre><code data-language={language}>{code}</code></pre>
    </figure>
  );
}
