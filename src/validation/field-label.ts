import { z } from 'zod';

/**
 * The label of a field, as a person knows it ("Refresh token lifetime (days)"), found by walking a schema along
 * an issue's path. Each field's label is written once, on its schema: `.meta({ title: 'Application name' })`
 * (JSON Schema's `title`, so the OpenAPI document shows it too). An entry of a list is its element's title and
 * number ("Redirect URI 2"); a field inside an entry says which entry ("Scope name (scope 2)").
 */

type Schema = z.core.$ZodType;

/** Wrappers whose inner schema is the field itself. */
const wrappers = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch', 'success', 'promise']);

function titleOf(schema: Schema): string | undefined {
  const title = z.globalRegistry.get(schema)?.title;
  return typeof title === 'string' ? title : undefined;
}

/** The schema under its wrappers, and the first title met on the way in (the outermost one). */
function unwrap(schema: Schema): { schema: Schema; title: string | undefined } {
  let current = schema;
  let title = titleOf(current);
  for (let depth = 0; depth < 64; depth++) {
    const def = current._zod.def as unknown as Record<string, any>;
    let next: Schema | undefined;
    if (wrappers.has(def.type)) next = def.innerType;
    // `.transform()` pipes the field into a transform; `z.preprocess()` pipes a transform into the field.
    else if (def.type === 'pipe') next = (def.in as Schema)._zod.def.type === 'transform' ? def.out : def.in;
    else if (def.type === 'lazy') next = def.getter();
    if (!next) break;
    current = next;
    title ??= titleOf(current);
  }
  return { schema: current, title };
}

/** The schema of `segment` inside `schema` (already unwrapped), or undefined when the schema has no such field. */
function child(schema: Schema, segment: PropertyKey): Schema | undefined {
  const def = schema._zod.def as unknown as Record<string, any>;
  switch (def.type) {
    case 'object': return Object.hasOwn(def.shape, segment) ? def.shape[segment] : undefined;
    case 'array': return def.element;
    case 'set': return def.valueType;
    case 'tuple': return def.items[Number(segment)] ?? def.rest ?? undefined;
    case 'record':
    case 'map': return def.valueType;
    case 'union':
      for (const option of def.options as Schema[]) {
        const found = child(unwrap(option).schema, segment);
        if (found) return found;
      }
      return undefined;
    case 'intersection': return child(unwrap(def.left).schema, segment) ?? child(unwrap(def.right).schema, segment);
    default: return undefined;
  }
}

const isIndex = (segment: PropertyKey) => typeof segment === 'number' || (typeof segment === 'string' && /^\d+$/.test(segment));

/** `refresh_token_ttl_days` → `Refresh token ttl days`: only for a field whose schema has no title. */
export function humanise(segment: PropertyKey): string {
  const words = String(segment).replace(/\p{C}/gu, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'The value';
}

/** `Scope 2` → `scope 2` inside a sentence; `API resource scope 2` keeps its acronym. */
function inSentence(label: string): string {
  return /^[A-Z][A-Z]/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** `Redirect URIs` → `Redirect URI`, for the entries of a list whose element has no title of its own. */
function singular(title: string): string {
  return title.replace(/ies$/, 'y').replace(/s$/, '');
}

/**
 * The label of the field at `path` in `schema`; `whole` names the value itself (the empty path), such as
 * "The request body".
 */
export function fieldLabel(schema: Schema | undefined, path: readonly PropertyKey[], whole = 'The value'): string {
  if (!schema) return path.length ? humanise(path.findLast((segment) => !isIndex(segment)) ?? path.at(-1)!) : whole;
  if (path.length === 0) return unwrap(schema).title ?? whole;
  const entries: string[] = [];
  let current: Schema | undefined = schema;
  let label = whole;
  for (const segment of path) {
    const parent: { schema: Schema; title: string | undefined } | undefined = current ? unwrap(current) : undefined;
    current = parent ? child(parent.schema, segment) : undefined;
    const title = current ? unwrap(current).title : undefined;
    if (isIndex(segment)) {
      label = `${title ?? (parent?.title ? singular(parent.title) : 'Entry')} ${Number(segment) + 1}`;
      entries.push(label);
    } else {
      label = title ?? humanise(segment);
    }
  }
  // The entries the field sits in, innermost first; the field itself is not one of them.
  const within = entries.filter((entry) => entry !== label).reverse();
  return within.length ? `${label} (${within.map(inSentence).join(', ')})` : label;
}
