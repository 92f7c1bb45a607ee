import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IConfiguration, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

// The same rules `npm run check:structure` applies (.dependency-cruiser.cjs): imports point down, no rings.
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as IConfiguration;

describe('structure', () => {
  it('has no upward import and no ring in src/ and console/src/', async () => {
    const result: IReporterOutput = await cruise(['src', 'console/src'], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      outputType: 'err',
    });
    const output = typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
    expect(result.exitCode, output).toBe(0);
    // A check that cruised nothing (say, a parser it could not load) would pass vacuously.
    expect(output).toMatch(/no dependency violations found \((\d{3,}) modules/);
  });

  it('leaves decisions to services: no route writes to the audit trail itself', () => {
    // The audit event is part of the change it records, so the service that makes the change writes it, once
    // for every surface (a page, the API, the CLI) that asks for it.
    const src = path.resolve(import.meta.dirname, '../src');
    const writers = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.routes.ts') && readFileSync(path.join(src, file), 'utf8').includes('recordAuditEvent'));
    expect(writers).toEqual([]);
  });
});
