import { useId } from 'react';

/**
 * An editable list of URIs: one input per URI, *Add another*, and a remove button per row. `errors` maps a row
 * index to the server's message for it (pointer `/redirect_uris/2`); `error` is for the list as a whole.
 */
export function UriListField({ label, values, onChange, errors = {}, error, hint, placeholder }: {
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  errors?: Record<number, string>;
  error?: string;
  hint?: string;
  placeholder?: string;
}) {
  const id = useId();
  const rows = values.length ? values : [''];
  return (
    <fieldset className="field uri-list" aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>{label}</legend>
      {hint && <p className="hint" id={`${id}-hint`}>{hint}</p>}
      {rows.map((value, i) => (
        <div key={i} className="uri-row">
          <div className="uri-input">
            <input
              type="text"
              inputMode="url"
              aria-label={`${label} ${i + 1}`}
              value={value}
              placeholder={placeholder}
              aria-invalid={errors[i] ? true : undefined}
              aria-describedby={errors[i] ? `${id}-error-${i}` : undefined}
              onChange={(e) => onChange(rows.map((v, j) => (j === i ? e.target.value : v)))}
            />
            {errors[i] && <p className="field-error" id={`${id}-error-${i}`}>{errors[i]}</p>}
          </div>
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
            disabled={rows.length === 1 && !value}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      {error && <p className="field-error">{error}</p>}
      <button type="button" className="link-button" onClick={() => onChange([...rows, ''])}>Add another</button>
    </fieldset>
  );
}
