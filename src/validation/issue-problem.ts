import type { z } from 'zod';

/**
 * What is wrong with a value, in words for a person and without the field's name: "must be at most 256
 * characters". Passed to zod as the error map of every parse whose errors a person reads (src/validation/
 * parse-input.ts), so zod's own wording ("Too small: expected string to have >=1 characters") never reaches
 * anyone; a message a schema gives itself (`.regex(…, 'must be a colour like #4f46e5')`) wins over this one.
 * The label is put in front by `sentence`, so every message a schema writes is such a phrase too.
 */
export function issueProblem(issue: z.core.$ZodRawIssue | z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return typeProblem(issue);
    case 'too_small': return sizeProblem('small', issue.origin, Number(issue.minimum), issue.inclusive !== false, issue.exact === true);
    case 'too_big': return sizeProblem('big', issue.origin, Number(issue.maximum), issue.inclusive !== false, issue.exact === true);
    case 'invalid_format': return formatProblem(issue);
    case 'invalid_value': return valueProblem(issue.values);
    case 'not_multiple_of': return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys': return `has fields this request does not take: ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_union': return 'is not in a form this field takes';
    case 'invalid_key': return 'has a key that is not allowed';
    case 'invalid_element': return 'has an entry that is not allowed';
    default: return 'is not valid';
  }
}

/** What a value of each type is, for a person. */
const kinds: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a JSON object',
  record: 'a JSON object',
  date: 'a date',
  null: 'null',
};

function typeProblem(issue: { expected: string; input?: unknown }): string {
  // A finalized issue no longer holds its input; only a raw one (in the error map) says whether the value was missing.
  if ('input' in issue && (issue.input === undefined || (issue.input === null && issue.expected !== 'null'))) return 'is required';
  if (issue.expected === 'nonoptional') return 'is required';
  return `must be ${kinds[issue.expected] ?? 'a value of another kind'}`;
}

function sizeProblem(side: 'small' | 'big', origin: string, limit: number, inclusive: boolean, exact: boolean): string {
  const bound = side === 'small' ? (inclusive ? 'at least' : 'more than') : (inclusive ? 'at most' : 'less than');
  switch (origin) {
    case 'string':
      if (exact) return `must be exactly ${plural(limit, 'character')}`;
      if (side === 'small' && inclusive && limit === 1) return 'must not be empty';
      return `must be ${bound} ${plural(limit, 'character')}`;
    case 'array':
    case 'set':
      if (exact) return `must have exactly ${plural(limit, 'entry', 'entries')}`;
      if (side === 'small' && inclusive && limit === 1) return 'must have at least one entry';
      return `must have ${bound} ${plural(limit, 'entry', 'entries')}`;
    case 'date':
      return side === 'small' ? `must be on or after ${new Date(limit).toISOString()}` : `must be on or before ${new Date(limit).toISOString()}`;
    default:
      return `must be ${bound} ${limit}`;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const formats: Record<string, string> = {
  email: 'must be an email address, like name@example.com',
  url: 'must be a web address starting with https://',
  datetime: 'must be a date and time with a time zone, like 2027-01-31T00:00:00Z',
  date: 'must be a date like 2027-01-31',
  time: 'must be a time like 13:45:00',
  uuid: 'must be a UUID',
  ipv4: 'must be an IPv4 address',
  ipv6: 'must be an IPv6 address',
};

function formatProblem(issue: { format: string; prefix?: unknown; suffix?: unknown; includes?: unknown }): string {
  if (issue.format === 'starts_with') return `must start with ${JSON.stringify(issue.prefix)}`;
  if (issue.format === 'ends_with') return `must end with ${JSON.stringify(issue.suffix)}`;
  if (issue.format === 'includes') return `must contain ${JSON.stringify(issue.includes)}`;
  return formats[issue.format] ?? 'is not written in a form Sesame accepts';
}

/** `must be spa`, `must be traditional, spa, native or m2m`. */
function valueProblem(values: readonly unknown[]): string {
  const shown = values.map((value) => (typeof value === 'string' && /^[\w.:-]+$/.test(value) ? value : JSON.stringify(value)));
  if (shown.length <= 1) return `must be ${shown[0] ?? 'another value'}`;
  return `must be ${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}
