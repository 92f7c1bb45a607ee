import { writeFileSync } from 'node:fs';
import { configReference } from '../src/config/config.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), configReference());
console.log('wrote docs/configuration.md');
