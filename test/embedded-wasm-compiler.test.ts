import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesameCli, startServerProcess } from './support/cli.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';

/**
 * A server on the embedded database runs PGlite's WebAssembly with V8's baseline compiler only
 * (src/db/wasm-baseline-compiler.ts): TurboFan's recompilation of PostgreSQL's parser alone needed about 600 MB.
 * V8 says which compiler compiled each function when started with --trace-wasm-compilation-times; the server is
 * started as its own process with that flag, busy enough for hot functions to be recompiled, and its output read.
 * On PostgreSQL no PGlite is loaded and the setting is not made, so there is nothing to see.
 */

describe.runIf(testDatabaseKind === 'pglite')('WebAssembly compiler of the embedded database', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('is Liftoff alone, however busy the server', async () => {
    const port = await freePort();
    const env = { HOST: '127.0.0.1', PORT: String(port), SESAME_LOG_LEVEL: 'warn', ...database.env };
    const created = await sesameCli(env, 'apps', 'create', '--name', 'Busy', '--type', 'm2m', '--json');
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { client_id: string; client_secret: string };

    const server = await startServerProcess(env, ['--trace-wasm-compilation-times']);
    try {
      // Each request stores a token: statements enough for V8 to recompile PostgreSQL's hot functions, were it allowed.
      const basic = `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`;
      for (let batch = 0; batch < 40; batch++) {
        const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${port}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
          body: 'grant_type=client_credentials',
        })));
        expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      }
    } finally {
      await server.stop();
    }
    const output = server.output();
    // Lines read `Compiled function <module>#<index> using <compiler>, …`. Node's own modules are compiled before
    // PGlite loads and may be optimized: its TypeScript stripper (amaro, about 5,000 functions, of which some 800 run
    // while Sesame's files load) and its CommonJS lexer. PGlite's module is PostgreSQL, about 14,000 functions: the
    // one whose functions reach furthest. (Counting compiled functions instead picked amaro whenever fewer of
    // PostgreSQL's happened to run.)
    const compiled = [...output.matchAll(/Compiled function (\S+)#(\d+) using (\w+)/g)]
      .map(([, module, index, compiler]) => ({ module, index: Number(index), compiler }));
    const perModule = Map.groupBy(compiled, (c) => c.module);
    const reach = (functions: { index: number }[]) => Math.max(...functions.map((f) => f.index));
    const [pglite, functions] = [...perModule].sort((a, b) => reach(b[1]) - reach(a[1]))[0]!;
    expect(reach(functions)).toBeGreaterThan(10_000);
    expect(functions.length).toBeGreaterThan(1000);
    expect(functions.filter((f) => f.compiler !== 'Liftoff').length, `functions of ${pglite} not compiled by Liftoff`).toBe(0);
  });
});
