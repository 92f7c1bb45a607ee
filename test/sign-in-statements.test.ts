import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { touching, watchStatements, writes, type StatementLog } from './support/statements.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/**
 * What a password sign-in costs the database, counted at the driver (as bench/statements.ts counts it): showing the
 * page writes nothing, whether a subject is blocked is answered from the node's cache, a success resets the
 * person's count in one statement at most and asks about second factors in one. Each sign-in is a real one,
 * through the page, ending with the app's tokens.
 */
const redirect = 'https://web.example.com/cb';
let sesame: TestSesame;
let rp: RelyingParty;
let statements: StatementLog;

beforeAll(async () => {
  sesame = await startTestSesame();
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirect] });
  rp = await relyingParty(sesame, app, redirect);
  statements = watchStatements();
});
afterEach(() => statements.clear());
afterAll(async () => {
  statements?.stop();
  await sesame?.stop();
});

/** Signs `user` in through the page; returns the statements of showing the page and of posting the password. */
async function signIn(user: { username: string; password: string }) {
  const agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(rp);
  const opened = await agent.follow(request.url.toString());
  const page = await opened.response.text();
  expect(isSignInPage(page)).toBe(true);
  const form = parseForm(page, opened.url);
  statements.clear();
  await agent.request(opened.url);
  const shown = [...statements.texts];
  statements.clear();
  const posted = await agent.follow(form.action, { form: { ...form.fields, login: user.username, password: user.password } });
  const submitted = [...statements.texts];
  expect(posted.url.startsWith(redirect), posted.url).toBe(true);
  await exchangeCode(rp, request, new URL(posted.url));
  return { shown, submitted };
}

describe('a password sign-in', () => {
  it('shows the sign-in page, passkey button included, without writing to the database', async () => {
    const user = await sesame.createUser();
    const { shown } = await signIn(user);
    expect(writes(shown)).toEqual([]);
  });

  it('reads no block from the database once the node knows them: a success that lifted none leaves them cached', async () => {
    const first = await sesame.createUser();
    const second = await sesame.createUser();
    await signIn(first);
    // The same subjects again (account, account and IP, IP), after a success that deleted no block.
    const again = await signIn(first);
    expect(touching(again.submitted, 'throttle_blocks')).toEqual([]);
    // Another person's success (its reset finds nothing to delete) leaves what the node knows of the first in place.
    await signIn(second);
    expect(touching((await signIn(first)).submitted, 'throttle_blocks')).toEqual([]);
  });

  it('resets the person\'s count in one statement at most, and asks about second factors in one', async () => {
    const user = await sesame.createUser();
    // Once the node has the account's row for the engine (src/cache/directory.ts), as it has for anyone signing in again.
    await signIn(user);
    const { submitted } = await signIn(user);
    expect(touching(submitted, 'throttle_blocks')).toEqual([]);
    expect(touching(submitted, 'throttle_counters').length).toBeLessThanOrEqual(1);
    // The account is read once, by what was typed; its row serves the steps after the password.
    expect(touching(submitted, 'users')).toHaveLength(1);
    const factors = ['totp_factors', 'passkeys', 'recovery_codes'].flatMap((table) => touching(submitted, table));
    expect(new Set(factors).size).toBe(1);
  });
});
