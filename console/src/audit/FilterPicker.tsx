import { useId, useState } from 'react';
import { useLoad } from '../ui/use-load.ts';
import { SearchBox } from '../ui/search-box.tsx';

export interface Choice { id: string; label: string; detail?: string }

/**
 * A filter on one user or one app: search by name, pick one of the matches; once picked it shows as a chip that
 * clears it. `find` searches, `name` says what a picked id is called (it may come from the page's address).
 */
export function FilterPicker({ label, value, onChange, find, name }: {
  label: string;
  value: string | undefined;
  onChange: (id: string | undefined) => void;
  find: (q: string) => Promise<Choice[]>;
  name: (id: string) => Promise<string>;
}) {
  const id = useId();
  const [q, setQ] = useState('');
  const picked = useLoad(() => (value ? name(value).catch(() => value) : Promise.resolve('')), [value]);
  const matches = useLoad(() => (q && !value ? find(q) : Promise.resolve([])), [q, value]);
  if (value) {
    return (
      <div className="filter" role="group" aria-labelledby={id}>
        <span id={id} className="filter-label">{label}</span>
        <span className="chip">
          <span>{picked.data || value}</span>
          <button type="button" className="icon-button" aria-label={`Any ${label.toLowerCase()}`} onClick={() => onChange(undefined)}>×</button>
        </span>
      </div>
    );
  }
  return (
    <div className="filter" role="group" aria-labelledby={id}>
      <span id={id} className="filter-label">{label}</span>
      <SearchBox label={`Filter by ${label.toLowerCase()}`} value={q} onSearch={setQ} />
      {q && (
        <ul className="filter-matches" aria-label={`${label} matches`}>
          {matches.data?.length === 0 && <li className="muted small-text">No {label.toLowerCase()} matches “{q}”</li>}
          {matches.data?.map((choice) => (
            <li key={choice.id}>
              <button type="button" className="link-button" onClick={() => { setQ(''); onChange(choice.id); }}>
                {choice.label}
              </button>
              {choice.detail && <span className="muted small-text"> {choice.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
