import { useEffect, useState } from 'react';

/** A search field that reports its text a moment after typing stops. */
export function SearchBox({ label, value, onSearch }: { label: string; value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => {
    if (text === value) return;
    const timer = window.setTimeout(() => onSearch(text.trim()), 250);
    return () => window.clearTimeout(timer);
  }, [text, value, onSearch]);
  return (
    <form className="search" role="search" onSubmit={(e) => { e.preventDefault(); onSearch(text.trim()); }}>
      <label className="visually-hidden" htmlFor={`search-${label}`}>{label}</label>
      <input id={`search-${label}`} type="search" placeholder={label} value={text} onChange={(e) => setText(e.target.value)} />
    </form>
  );
}
