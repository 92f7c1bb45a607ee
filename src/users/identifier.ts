import { isStorableText } from '../db/text.ts';

/**
 * One canonical form (a key) per username and email, so that two accounts never differ only in ways a person cannot
 * see: `bob`, `Bob`, `ｂｏｂ` are one name; `bob` + U+200B is no name at all.
 *
 * Usernames follow RFC 8265's UsernameCaseMapped profile as far as the runtime's own Unicode data goes (no PRECIS
 * library is maintained for JavaScript, and hand-written tables would age):
 * - width and compatibility mapping by NFKC: `ｂｏｂ` is `bob`, and `ﬀ` is `ff` (where PRECIS would refuse the
 *   ligature, we fold it: the account is just as unambiguous and no lookalike can be made of it);
 * - case mapping with toLowerCase (RFC 8265 §3.3.1), then NFKC again, so the key is stable;
 * - the IdentifierClass (RFC 8264 §4.2): letters, digits, combining marks and printable ASCII are allowed; controls,
 *   format and other default-ignorable characters (U+200B, U+200D, U+00AD, U+FEFF…), bidi controls, spaces,
 *   symbols and non-ASCII punctuation, private-use, unassigned code points and old Hangul jamo are refused, with
 *   the contextual exceptions of RFC 5892 Appendix A that keep real names working (Catalan l·l, katakana middle dot…).
 *   Not applied: the Bidi Rule (RFC 5893) for right-to-left names, which would refuse some legitimate mixes.
 * - and Sesame's own rule: no `@`, which tells usernames and emails apart at sign-in.
 * Emails get the same mapping, and the same refusal of invisible, bidi and control characters; their syntax is the
 * schema's business.
 */

export type IdentifierRefusal = 'empty' | 'whitespace' | 'control' | 'invisible' | 'bidi_control' | 'at_sign' | 'disallowed';

/** The key an identifier is compared by, or why it cannot be one. */
export type Canonical = { key: string; refused?: undefined } | { key?: undefined; refused: IdentifierRefusal };

/** What is wrong, for the API's `errors` and the CLI: completes "username …". */
export const refusalMessages: Record<IdentifierRefusal, string> = {
  empty: 'must not be empty',
  whitespace: 'must not contain spaces',
  control: 'must not contain control characters',
  invisible: 'must not contain invisible characters (zero-width, soft hyphen, byte order mark…)',
  bidi_control: 'must not contain characters that reorder text (bidi controls)',
  at_sign: 'must not contain @',
  disallowed: 'may contain only letters, digits, combining marks and ASCII punctuation',
};

/** The longest login worth looking up: an email (320) typed in full width is still no longer. */
const maxLoginLength = 1024;

/** The mapping alone (total: it never refuses): what stored rows are compared by, whatever rules let them in. */
export function identifierKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** The username or email as stored and shown: as typed, composed (NFC), without surrounding spaces. */
export function displayForm(text: string): string {
  return text.trim().normalize('NFC');
}

const whitespace = /\p{White_Space}/u;
const control = /\p{Cc}/u;
const bidiControl = /\p{Bidi_Control}/u;
const invisible = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const letterDigit = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}\x21-\x7e]$/u;
const oldHangulJamo = /[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]/u;

/** RFC 5892 Appendix A: punctuation a name may hold in the right company. */
function allowedInContext(chars: string[], index: number, all: string): boolean {
  const char = chars[index]!;
  const before = chars[index - 1] ?? '';
  const after = chars[index + 1] ?? '';
  switch (char) {
    case '\u00b7': return before === 'l' && after === 'l';
    case '\u0375': return /\p{Script=Greek}/u.test(after);
    case '\u05f3': case '\u05f4': return /\p{Script=Hebrew}/u.test(before);
    case '\u30fb': return /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(all.replaceAll('\u30fb', ''));
    default: return false;
  }
}

/** The first rule `text` breaks among those every identifier keeps, if any. */
function invisibleOrControl(text: string): IdentifierRefusal | undefined {
  if (bidiControl.test(text)) return 'bidi_control';
  if (control.test(text)) return 'control';
  if (invisible.test(text)) return 'invisible';
  if (whitespace.test(text)) return 'whitespace';
  return undefined;
}

export function canonicalUsername(username: string): Canonical {
  const key = identifierKey(username.trim());
  if (!key) return { refused: 'empty' };
  const refused = invisibleOrControl(key);
  if (refused) return { refused };
  if (key.includes('@')) return { refused: 'at_sign' };
  const chars = [...key];
  const allowed = chars.every((char, index) => (letterDigit.test(char) && !oldHangulJamo.test(char)) || allowedInContext(chars, index, key));
  return allowed ? { key } : { refused: 'disallowed' };
}

export function canonicalEmail(email: string): Canonical {
  const key = identifierKey(email.trim());
  if (!key) return { refused: 'empty' };
  const refused = invisibleOrControl(key);
  return refused ? { refused } : { key };
}

/**
 * The key of whatever a person typed in "Username or email", for the sign-in lookup and its throttling. It maps
 * without refusing (an account from before these rules may hold a refused character and still signs in); it is
 * undefined only for what no stored identifier can equal. Never throws.
 */
export function canonicalLogin(login: string): string | undefined {
  if (typeof login !== 'string' || login.length > maxLoginLength) return undefined;
  const key = identifierKey(login.trim());
  return key && isStorableText(key) && key.isWellFormed() ? key : undefined;
}
