import { describe, expect, it } from 'vitest';
import { appTypes } from '../src/apps/app-types.ts';
import { applicationChangesSchema, fixedApplicationFields, newApplicationSchema } from '../src/apps/app.schema.ts';
import { commands } from '../src/cli/commands.ts';
import { loadConfig } from '../src/config/config.ts';
import { configSchema, settings } from '../src/config/schema.ts';
import { applicationChangesBody, applicationSchema, newApplicationBody } from '../src/management/applications/application.schema.ts';

/**
 * Issue 11: an app's settings, the app types and the configuration are each written once, and everything else
 * derives from them. These checks fail if a second copy comes back.
 */
describe('one shape per thing', () => {
  it('the Management API declares the very schemas the service validates with', () => {
    expect(newApplicationBody).toBe(newApplicationSchema);
    expect(applicationChangesBody).toBe(applicationChangesSchema);
    const changeable = Object.keys(applicationChangesSchema.shape);
    expect(Object.keys(applicationSchema.shape)).toEqual(expect.arrayContaining(changeable));
  });

  it('the CLI has a flag for every app setting, named after it', () => {
    // One flag per value of a list, so its name is singular.
    const lists = ['redirect_uris', 'post_logout_redirect_uris', 'cors_origins'];
    const flag = (field: string, list: boolean) => (list ? field.slice(0, -1) : field).replaceAll('_', '-');
    for (const field of Object.keys(newApplicationSchema.shape)) {
      expect(commands['apps create'].options, field).toHaveProperty(flag(field, lists.includes(field)));
    }
    for (const field of Object.keys(applicationChangesSchema.shape)) {
      const has = Object.hasOwn(commands['apps update'].options, flag(field, lists.includes(field)));
      expect(has, field).toBe(!(fixedApplicationFields as readonly string[]).includes(field));
    }
  });

  it('the CLI names the app types from the one list', () => {
    expect(commands['apps create'].usage).toContain(`--type ${appTypes.join('|')}`);
    const result = commands['apps list'].input.safeParse({ type: 'desktop' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('--type must be traditional, spa, native or m2m');
  });

  it('every setting of the config schema reaches the config object, under the key the tree gives it', () => {
    const env = Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, undefined]));
    expect(Object.keys(env)).toContain('SESAME_THROTTLE_MEMORY');
    const config = loadConfig({ SESAME_THROTTLE_MEMORY: '1234', SESAME_CODE_TTL: '42', PORT: '4000' });
    expect(config.throttle.memory).toBe(1234);
    expect(config.ttl.code).toBe(42);
    expect(config.port).toBe(4000);
    expect(settings.throttle.memory.env).toBe('SESAME_THROTTLE_MEMORY');
  });
});
