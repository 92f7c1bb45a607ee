import { createRequire } from 'node:module';
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
});
