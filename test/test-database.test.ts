import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame } from '../src/server.ts';
import { createTestDatabase, testDatabaseKind } from './support/database.ts';

/** The test support itself: a test database never pulls the embedded database's files out from under a server. */
describe.runIf(testDatabaseKind === 'pglite')('a test database on the embedded database', () => {
  it('is removed only once the server still starting on it has closed', async () => {
    const database = await createTestDatabase();
    const starting = startSesame(loadConfig({ PORT: '0', HOST: '127.0.0.1', ...database.env }), createLogger('silent'));
    // As after a hook timed out: the folder is dropped while the server is still opening it.
    let dropped = false;
    const drop = database.drop().then(() => { dropped = true; });
    const sesame = await starting;
    expect((await fetch(`${sesame.issuer}/readyz`)).status).toBe(200);
    expect(dropped).toBe(false);
    await sesame.close();
    await drop;
    expect(existsSync(database.dataDir)).toBe(false);
  });
});
