import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, loadConfig } from '../src/config/config.ts';
import { configSchema } from '../src/config/schema.ts';

/** docs/configuration.md is generated from the schema (`npm run docs:config`); it must not drift from it. */
describe('configuration reference', () => {
  const docs = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');

  it('docs/configuration.md is what `npm run docs:config` generates today', () => {
    expect(docs, 'docs/configuration.md is stale: run `npm run docs:config`').toBe(configReference());
  });

  it('documents every variable of the schema, each with a description', () => {
    for (const [key, field] of Object.entries(configSchema.shape)) {
      expect(docs, key).toContain(`| \`${key}\` |`);
      expect(field.description, key).toBeTruthy();
    }
  });

  it('the documented defaults are the ones Sesame uses', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3300);
    expect(docs).toContain('| `PORT` | `3300` |');
    expect(docs).toContain(`| \`SESAME_KEY_REFRESH_SECONDS\` | \`${config.keyRefreshSeconds}\` |`);
    expect(docs).toContain(`| \`SESAME_SESSION_TTL\` | \`${config.ttl.session}\` |`);
  });
});
