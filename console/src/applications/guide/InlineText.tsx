/** A guide text: `backticked` parts are code, the rest plain text (React escapes both). */
export function InlineText({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
