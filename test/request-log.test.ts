import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './support/cli.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';

/**
 * The request log of the real server as `npm start` runs it, at its default level: written asynchronously so a
 * request never waits for it, yet one line per request and none lost when the server is stopped gracefully right
 * after a burst of requests.
 */
let database: TestDatabase;
let child: ChildProcess | undefined;


beforeAll(async () => {
  database = await createTestDatabase(undefined, { fresh: true });
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  await database?.drop();
});

describe(`request log on ${testDatabaseKind}`, () => {
  it('has one line per request, every one of them written out at a graceful stop', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // No SESAME_LOG_LEVEL: the default, as shipped.
    child = spawn(process.execPath, ['src/main.ts', 'start'], { env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...database.env } });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => { output += chunk; });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child!.on('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      const check = () => (output.includes('Sesame is running at') ? resolve() : undefined);
      child!.stdout!.on('data', check);
      void exited.then(() => reject(new Error(`the server did not start:\n${output}`)));
    });

    const paths = ['/.well-known/openid-configuration', '/oidc/jwks', '/no-such-page', '/oidc/token'];
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${base}${paths[i % paths.length]}?code=secret-${i}`)));
      for (const answer of answers) {
        await answer.arrayBuffer();
        ids.push(answer.headers.get('x-request-id')!);
      }
    }
    // Stopped at once after the last answer, while lines may still be queued.
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });

    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    // Every line is whole JSON: queued lines are written out whole, never torn or interleaved.
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = entries.filter((entry) => entry.msg === 'request').map((entry) => entry.req);
    expect(new Set(ids).size).toBe(400);
    for (const id of ids) expect(logged.filter((req) => req === id), id).toHaveLength(1);
    // The query (which may hold codes) never reaches the log.
    expect(output).not.toContain('secret-');
    // The stop is logged, after the requests.
    const stopping = entries.findIndex((entry) => entry.msg === 'shutting down');
    expect(stopping).toBeGreaterThan(entries.findLastIndex((entry) => entry.msg === 'request' && ids.includes(entry.req as string)));
  });

  it('says a request was abandoned, not that it was answered 404, when the client leaves before the answer', async () => {
    const port = await freePort();
    // The default log level, as shipped; the database is a copy of the run's template.
    const abandoned = await createTestDatabase();
    const server = await startServerProcess({ HOST: '127.0.0.1', PORT: String(port), ...abandoned.env });
    try {
      // A token request whose body never all arrives; the client then closes the connection. The server's
      // "100 Continue" says it has the request in hand.
      const socket = net.connect(port, '127.0.0.1');
      socket.write('POST /oidc/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n');
      await new Promise((resolve) => socket.once('data', resolve));
      socket.write('grant_type=');
      socket.destroy();
      const line = () => server.output().split('\n').find((text) => text.includes('"path":"/oidc/token"'));
      while (!line()) await new Promise((resolve) => setTimeout(resolve, 50));
      const entry = JSON.parse(line()!) as Record<string, unknown>;
      expect(entry).toMatchObject({ msg: 'request', method: 'POST', aborted: true });
      expect(entry).not.toHaveProperty('status');
    } finally {
      await server.stop();
      await abandoned.drop();
    }
  });
});
