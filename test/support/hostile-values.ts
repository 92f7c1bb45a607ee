/**
 * Seeded generators of what an attacker sends: strings that break parsers, encodings, databases and pages.
 * The same seed gives the same requests, so a failure found once can be replayed (the seed is in its message).
 */

/** mulberry32: small, fast and good enough to spread test inputs; never for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings that have broken some server somewhere: control characters, lone surrogates, injections, sizes. */
const hostileStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\u0001\u0002\u001f', '\r\n', '\r\nSet-Cookie: x=1', '\t',
  '\ud800', '\udfff', 'a\ud83d', '\ud83d\ude00', '\ufeff', '\u200b', '\u202eevil', 'ｂｏｂ', 'İı', 'ß', 'ﬀ',
  '\uffff', '\u{10ffff}', '../../../etc/passwd', '..%2f..%2f', '%00', '%', '%zz', '%ED%A0%80',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '\'', '"', '`', '\\', "' OR '1'='1' --", '; DROP TABLE users; --',
  '${7*7}', '{{7*7}}', '#{7*7}', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', 'file:///etc/passwd',
  'http://evil.example/', '//evil.example', 'https://app.example.com/callback#x', 'https://user@app.example.com/callback',
  '-1', '0', '1e309', '9'.repeat(40), 'NaN', 'Infinity', 'true', 'null', 'undefined', '[]', '{}', '[object Object]',
  '__proto__', 'constructor', 'prototype', 'toString', '{"__proto__":{"admin":true}}',
  'openid profile email offline_access', 'openid management', 'S256', 'plain', 'none', 'code', 'token id_token',
  'client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code',
  'login', 'consent', 'select_account', 'fr', 'ja-JP', 'zz-ZZ', '*', 'en;q=abc',
];

export class Fuzzer {
  readonly seed: number;
  readonly random: () => number;

  constructor(seed: number) {
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A hostile string, sometimes one of `usual` (real ids, real URIs) so requests get past the first checks. */
  string(usual: readonly string[] = []): string {
    const roll = this.random();
    if (usual.length && roll < 0.3) return this.pick(usual);
    if (roll < 0.8) return this.pick(hostileStrings);
    if (roll < 0.9) return this.pick(hostileStrings).repeat(1 + this.int(2000));
    // Random code points, surrogates included.
    return Array.from({ length: 1 + this.int(40) }, () => String.fromCharCode(this.int(0x10000))).join('');
  }

  /** A query or form value percent-encoded by hand, so invalid UTF-8 and broken escapes reach the server as sent. */
  encoded(usual: readonly string[] = []): string {
    if (this.chance(0.15)) return this.pick(['%00', '%ED%A0%80', '%C0%AF', '%FF%FE', '%', '%zz', '%E0%A4%A', '%F4%90%80%80', '+%2B%20']);
    return encodeLoosely(this.string(usual));
  }

  /** JSON text: usually `value`, sometimes nested thousands of levels deep (built as text: too deep to stringify). */
  jsonText(value: unknown): string {
    if (!this.chance(0.05)) return JSON.stringify(value);
    const depth = 1000 + this.int(20_000);
    return this.chance(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }

  /** Any JSON value, with hostile strings, nested a few levels. */
  json(depth = 0): unknown {
    const roll = this.random();
    if (roll < 0.3 || depth > 3) return this.string();
    if (roll < 0.4) return this.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, true, false, null]);
    if (roll < 0.6) return Array.from({ length: this.int(5) }, () => this.json(depth + 1));
    const object: Record<string, unknown> = {};
    for (let i = this.int(6); i > 0; i--) object[this.string()] = this.json(depth + 1);
    return object;
  }

  /** An object with the given keys (those a schema expects) filled with hostile values, plus stray keys. */
  objectWith(keys: readonly string[], usual: readonly string[] = []): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (const key of keys) if (this.chance(0.7)) object[key] = this.chance(0.6) ? this.string(usual) : this.json(1);
    if (this.chance(0.3)) object[this.pick(['__proto__', 'constructor', this.string()])] = this.json(1);
    return object;
  }

  /** A query string from named parameters, each value hostile, sometimes repeated or without a value. */
  query(names: readonly string[], usual: Record<string, readonly string[]> = {}): string {
    const parts: string[] = [];
    for (const name of names) {
      if (!this.chance(0.75)) continue;
      const value = this.chance(0.5) && usual[name] ? encodeURIComponent(this.pick(usual[name]!)) : this.encoded();
      parts.push(`${name}=${value}`);
      if (this.chance(0.05)) parts.push(`${name}=${this.encoded()}`);
    }
    if (this.chance(0.1)) parts.push(this.encoded());
    return parts.join('&');
  }
}

/** Percent-encodes what a URL cannot hold literally, and keeps `%` as it is, so broken escapes survive. */
function encodeLoosely(value: string): string {
  return Array.from(value, (ch) => {
    if (/^[A-Za-z0-9\-._~%]$/.test(ch)) return ch;
    const code = ch.codePointAt(0)!;
    // A lone surrogate has no UTF-8 form: sent as the bytes a careless encoder would produce.
    if (code >= 0xd800 && code <= 0xdfff) return `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    return encodeURIComponent(ch);
  }).join('');
}
