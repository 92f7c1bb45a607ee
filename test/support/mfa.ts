import { decodeJwt } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { authorizationRequest, exchangeCode, type RelyingParty } from './relying-party.ts';
import { parseForm, UserAgent } from './user-agent.ts';

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

/**
 * Signs `user` in at `rp` asking for MFA (acr_values), setting up an authenticator app on the way as a person would
 * post the pages' forms; returns its key, the recovery codes shown, the code used, and the ID token's claims.
 */
export async function enrolTotpOverHttp(issuer: string, rp: RelyingParty, user: { username: string; password: string }) {
  const agent = new UserAgent(issuer);
  const request = await authorizationRequest(rp, { acr_values: 'urn:sesame:acr:mfa' });
  const { response, url } = await agent.follow(request.url.toString());
  const signInPage = { html: await response.text(), url };
  const after = await submit(agent, signInPage, '/login', { login: user.username, password: user.password });
  if (!new URL(after.url).pathname.endsWith('/set-up')) throw new Error(`expected the set-up page, got ${after.url}`);
  const setUp = await submit(agent, after, '/set-up/totp');
  const key = manualKeyOf(setUp.html);
  const usedCode = totpCode(key);
  const confirmed = await submit(agent, setUp, '/totp/confirm', { code: usedCode });
  const codes = recoveryCodesOf(confirmed.html);
  const done = await submit(agent, confirmed, '/set-up/done');
  const tokens = await exchangeCode(rp, request, new URL(done.url));
  return { key, codes, usedCode, claims: decodeJwt(tokens.id_token!) };
}
