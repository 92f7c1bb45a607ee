/**
 * Preloaded with `node --import` into a Sesame process started by a test: writes `loaded <url>` to standard error for
 * every module the process loads, so the test can tell which libraries a node holds in memory.
 */
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

registerHooks({
  load(url, context, nextLoad) {
    writeSync(2, `loaded ${url}\n`);
    return nextLoad(url, context);
  },
});
