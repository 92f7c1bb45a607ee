import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isThirdParty } from '../src/apps/third-party.ts';

describe('isThirdParty: one answer for an app row and for client metadata', () => {
  it('reads the flag of an application row and of oidc-provider client metadata alike', () => {
    expect(isThirdParty({ third_party: true })).toBe(true);
    expect(isThirdParty({ third_party: false })).toBe(false);
    expect(isThirdParty({ 'sesame/third_party': true })).toBe(true);
    expect(isThirdParty({ 'sesame/third_party': false })).toBe(false);
  });

  it('treats a missing or unreadable flag as third-party: consent screen, allowlist, no management access', () => {
    expect(isThirdParty({})).toBe(true);
    expect(isThirdParty(undefined)).toBe(true);
    expect(isThirdParty(null)).toBe(true);
    expect(isThirdParty({ third_party: null })).toBe(true);
    expect(isThirdParty({ 'sesame/third_party': undefined })).toBe(true);
    expect(isThirdParty({ 'sesame/third_party': 'false' })).toBe(true);
  });

  it('is the only place that reads the client metadata flag', () => {
    // Written into client metadata by apps/client-metadata.ts, declared to oidc-provider by oidc/provider.ts; decided
    // in apps/third-party.ts. Anywhere else, reading it would be a second, possibly different, answer.
    const allowed = new Set(['apps/client-metadata.ts', 'apps/third-party.ts', 'oidc/provider.ts']);
    const src = path.resolve(import.meta.dirname, '../src');
    const readers = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !allowed.has(file.split(path.sep).join('/')))
      .filter((file) => readFileSync(path.join(src, file), 'utf8').includes('sesame/third_party'));
    expect(readers).toEqual([]);
  });
});
