import { Secret, TOTP } from 'otpauth';
import { parseForm } from './user-agent.ts';
import type { UserAgent } from './user-agent.ts';

/**
 * Second factors as a test computes them: the authenticator app's codes from the key the page shows (RFC 6238,
 * with otpauth as an app would), and the forms of the second-factor pages.
 */
export function totpCode(manualKey: string, stepsFromNow = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(manualKey.replace(/\s/g, '')), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() + stepsFromNow * 30_000 });
}

/** The setup key printed under the QR code. */
export function manualKeyOf(page: string): string {
  const key = /<code class="key"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(page)?.[1];
  if (!key) throw new Error('no setup key on the page');
  return key.replace(/\s/g, '');
}

export function recoveryCodesOf(page: string): string[] {
  return [...page.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((m) => m[1]!);
}

/** The form on `page` whose action ends with `suffix`, with its hidden fields. */
export function formEndingWith(page: string, base: string, suffix: string): { action: string; fields: Record<string, string> } {
  for (const match of page.matchAll(/<form[\s\S]*?<\/form>/g)) {
    const form = parseForm(match[0], base);
    if (new URL(form.action).pathname.endsWith(suffix)) return form;
  }
  throw new Error(`no form posting to …${suffix} on the page`);
}

/** Posts `fields` to the form ending with `suffix`, following redirects on the issuer. */
export async function submit(agent: UserAgent, page: { html: string; url: string }, suffix: string, fields: Record<string, string> = {}) {
  const form = formEndingWith(page.html, page.url, suffix);
  const { response, url } = await agent.follow(form.action, { form: { ...form.fields, ...fields } });
  const html = response.status >= 300 && response.status < 400 ? '' : await response.text();
  return { response, url, html };
}
