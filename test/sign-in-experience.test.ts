import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands.ts';
import { updateSignInExperience } from '../src/sign-in-experience/sign-in-experience.service.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/** The sign-in experience: the Management API and CLI that set it, and what it does to the pages. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let rp: RelyingParty;

beforeAll(async () => {
  // A one-second cache: long enough to matter, short enough to see another node's change.
  sesame = await startTestSesame({ SESAME_SETTINGS_CACHE_SECONDS: '1' });
  api = apiClient(sesame, await managementToken(sesame));
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://web.example.com/cb');
});
afterAll(async () => sesame?.stop());

/** The sign-in page a browser sees for a new authorization request. */
async function signInPage(params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const request = await authorizationRequest(rp, params);
  const { response } = await new UserAgent(sesame.url, headers).follow(request.url.toString());
  expect(response.status).toBe(200);
  return { page: await response.text(), csp: response.headers.get('content-security-policy')! };
}

const styleHashes = (page: string) => [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)]
  .map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);

describe('GET and PUT /api/sign-in-experience', () => {
  it('starts with the defaults', async () => {
    const { status, body } = await api('GET', '/api/sign-in-experience');
    expect(status).toBe(200);
    expect(body).toEqual({
      product_name: 'Sesame', logo_url: null, logo_dark_url: null, primary_color: '#4f46e5',
      default_language: 'en', self_registration: false, require_verified_email: false, updated_at: expect.any(String),
    });
  });

  it('needs a Management API token', async () => {
    expect((await apiClient(sesame)('GET', '/api/sign-in-experience')).status).toBe(401);
    expect((await apiClient(sesame)('PUT', '/api/sign-in-experience', { product_name: 'x' })).status).toBe(401);
  });

  it('refuses invalid values field by field and changes nothing', async () => {
    const { status, body } = await api('PUT', '/api/sign-in-experience', {
      product_name: '', primary_color: 'red', default_language: 'de', logo_url: 'javascript:alert(1)',
      logo_dark_url: 'http://cdn.example.com/logo.svg', self_registration: 'yes',
    });
    expect(status).toBe(400);
    expect(body.code).toBe('request.invalid');
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(['/default_language', '/logo_dark_url', '/logo_url', '/primary_color', '/product_name', '/self_registration']);
    expect((await api('PUT', '/api/sign-in-experience', { colour: '#000000' })).status).toBe(400);
    expect((await api('GET', '/api/sign-in-experience')).body.product_name).toBe('Sesame');
  });

  it('changes what is sent and keeps the rest', async () => {
    const { status, body } = await api('PUT', '/api/sign-in-experience', { product_name: '  Acme ID ', primary_color: '#FF0000' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ product_name: 'Acme ID', primary_color: '#ff0000', default_language: 'en', logo_url: null });
    const logo = await api('PUT', '/api/sign-in-experience', { logo_url: 'https://cdn.example.com/acme.svg', logo_dark_url: 'https://cdn.example.com/acme-dark.svg' });
    expect(logo.body).toMatchObject({ product_name: 'Acme ID', logo_url: 'https://cdn.example.com/acme.svg' });
    expect((await api('GET', '/api/sign-in-experience')).body).toEqual(logo.body);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await apiClient(sesame)('GET', '/api/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/sign-in-experience'])).toEqual(expect.arrayContaining(['get', 'put']));
  });
});

describe('the sign-in page wears the sign-in experience', () => {
  it('shows the product name and logo in the header, and the colour as its accent under a matching CSP', async () => {
    const { page, csp } = await signInPage();
    expect(page).toContain('<title>Sign in · Acme ID</title>');
    expect(page).toMatch(/<p class="brand"><picture><source media="\(prefers-color-scheme: dark\)" srcset="https:\/\/cdn\.example\.com\/acme-dark\.svg"><img src="https:\/\/cdn\.example\.com\/acme\.svg" alt="Acme ID"/);
    expect(page).toContain('<style>:root{--accent:#ff0000;--accent-text:');
    // Every inline stylesheet is allowed by its hash, and nothing else.
    const hashes = styleHashes(page);
    expect(hashes).toHaveLength(2);
    for (const hash of hashes) expect(csp).toContain(hash);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('shows the name when there is no logo, and Sesame\'s own look by default', async () => {
    await api('PUT', '/api/sign-in-experience', { logo_url: null, logo_dark_url: null });
    expect((await signInPage()).page).toContain('<p class="brand">Acme ID</p>');
    await api('PUT', '/api/sign-in-experience', { product_name: 'Sesame', primary_color: '#4f46e5' });
    const { page, csp } = await signInPage();
    expect(page).toContain('<p class="brand">Sesame</p>');
    expect(styleHashes(page)).toHaveLength(1);
    expect(csp).toContain(styleHashes(page)[0]);
  });

  it('speaks the default language when neither ui_locales nor Accept-Language names a supported one', async () => {
    await api('PUT', '/api/sign-in-experience', { default_language: 'fr' });
    expect((await signInPage()).page).toContain('<html lang="fr">');
    expect((await signInPage({}, { 'accept-language': 'de-DE, it;q=0.5' })).page).toContain('<title>Se connecter</title>');
    // A language the browser or the app asks for still wins.
    expect((await signInPage({}, { 'accept-language': 'ja' })).page).toContain('<html lang="ja">');
    expect((await signInPage({ ui_locales: 'ko' }, { 'accept-language': 'de' })).page).toContain('<html lang="ko">');
    await api('PUT', '/api/sign-in-experience', { default_language: 'en' });
    expect((await signInPage()).page).toContain('<html lang="en">');
  });

  it('applies a change made elsewhere (another node, the CLI) within the cache time, without a restart', async () => {
    await updateSignInExperience(sesame.sesame.db, { product_name: 'Elsewhere' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await signInPage()).page).toContain('<p class="brand">Elsewhere</p>');
  });
});

describe('sign-in-experience CLI', () => {
  const ctx = () => ({ db: sesame.sesame.db, sealer: sesame.sesame.sealer, config: sesame.sesame.config });

  it('shows and sets the settings, with the same rules as the API', async () => {
    const set = await runCommand(ctx(), 'sign-in-experience set', { 'product-name': 'Cli Corp', 'primary-color': '#00AA55', 'self-registration': 'true', 'default-language': 'ru' });
    expect(set).toMatchObject({ product_name: 'Cli Corp', primary_color: '#00aa55', self_registration: true, default_language: 'ru' });
    expect(await runCommand(ctx(), 'sign-in-experience show', {})).toEqual(set);
    await expect(runCommand(ctx(), 'sign-in-experience set', { 'primary-color': 'green' })).rejects.toThrow(/--primary-color: Primary colour must/);
    await expect(runCommand(ctx(), 'sign-in-experience set', { 'self-registration': 'maybe' })).rejects.toThrow(/--self-registration must be true or false/);
    await runCommand(ctx(), 'sign-in-experience set', { 'product-name': 'Sesame', 'primary-color': '#4f46e5', 'self-registration': 'false', 'default-language': 'en' });
  });
});
