import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPasskey } from '../src/passkeys/passkey.repository.ts';
import { createWebauthnChallenges } from '../src/passkeys/webauthn-challenge.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';
import { forgeAssertion, newPasskeyKey } from './support/webauthn.ts';

/**
 * The challenges of passkey sign-ins over plain HTTP, answered with a key made here (chromium's authenticator is
 * browser-passkeys.test.ts's). A challenge is signed, not stored, when the page is shown: it must still be answered
 * only once, only in the interaction it was shown in, only before it expires, and never altered. The passkey keeps
 * no signature counter (as synced passkeys do), so the counter cannot be what refuses a replay.
 */
const redirect = 'https://app.example.com/cb';
const secret = randomBytes(32).toString('base64url');
let sesame: TestSesame;
let rp: RelyingParty;
let key: ReturnType<typeof newPasskeyKey>;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_SECRET: secret });
  const app = await sesame.createApp({ name: 'App', type: 'traditional', redirect_uris: [redirect] });
  rp = await relyingParty(sesame, app, redirect);
  const user = await sesame.createUser();
  key = newPasskeyKey();
  await insertPasskey(sesame.sesame.db, {
    id: key.id, user_id: user.id, public_key: key.publicKey, counter: 0, transports: ['internal'],
    device_type: 'multiDevice', backed_up: true, aaguid: '00000000-0000-0000-0000-000000000000', name: 'Made in the test',
  });
});
afterAll(async () => sesame?.stop());

const decode = (value: string) => value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A fresh sign-in page in a browser of its own: its passkey form's action, CSRF token and challenge. */
async function signInPage() {
  const agent = new UserAgent(sesame.url);
  const { response, url } = await agent.follow((await authorizationRequest(rp)).url.toString());
  const page = await response.text();
  const form = /<form method="post" action="([^"]+)" data-webauthn="authenticate" data-options="([^"]+)">([\s\S]*?)<\/form>/.exec(page);
  expect(form, 'the sign-in page offers passkeys').not.toBeNull();
  const options = JSON.parse(decode(form![2]!)) as { challenge: string };
  return {
    agent,
    action: new URL(decode(form![1]!), url).toString(),
    uid: new URL(url).pathname.split('/')[2]!,
    csrf: /name="csrf" value="([^"]+)"/.exec(form![3]!)![1]!,
    challenge: options.challenge,
  };
}

/** Posts an assertion of the test's passkey for `challenge` to `page`'s form; the status Sesame answers with. */
async function answer(page: Awaited<ReturnType<typeof signInPage>>, challenge: string): Promise<number> {
  const { hostname, origin } = new URL(sesame.url);
  const assertion = forgeAssertion(key.credential, { challenge, origin, rpId: hostname, counter: 0 });
  const response = await page.agent.request(page.action, { form: { csrf: page.csrf, credential: JSON.stringify(assertion) } });
  await response.arrayBuffer();
  return response.status;
}

describe('passkey challenges', () => {
  it('sign in once: the same response posted again is refused', async () => {
    const page = await signInPage();
    expect(await answer(page, page.challenge)).toBe(303);
    expect(await answer(page, page.challenge)).toBe(400);
  });

  it('are refused in another interaction than the one they were shown in', async () => {
    const shown = await signInPage();
    const other = await signInPage();
    expect(await answer(other, shown.challenge)).toBe(400);
    expect(await answer(other, other.challenge)).toBe(303);
  });

  it('are refused once expired, or altered', async () => {
    const challenges = createWebauthnChallenges(secret);
    const page = await signInPage();
    const subject = `interaction:${page.uid}`;
    const expired = Buffer.from(challenges.issue('sign_in', subject, -1)).toString('base64url');
    expect(await answer(page, expired)).toBe(400);
    // Its end moved forward by hand: the signature no longer matches.
    const altered = Buffer.from(expired, 'base64url');
    altered.writeUInt32BE(altered.readUInt32BE(16) + 3600, 16);
    expect(await answer(page, altered.toString('base64url'))).toBe(400);
    // Made for another ceremony (a second factor) of the same interaction.
    expect(await answer(page, Buffer.from(challenges.issue('second_factor', subject, 300)).toString('base64url'))).toBe(400);
    // The same making, unexpired and for signing in, is accepted: the refusals above were for the end and ceremony alone.
    expect(await answer(page, Buffer.from(challenges.issue('sign_in', subject, 300)).toString('base64url'))).toBe(303);
  });
});
