import { createApplication } from '../../src/apps/app.service.ts';
import type { NewApplicationInput } from '../../src/apps/app.schema.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { startSesame, type Sesame } from '../../src/server.ts';
import { createUser, type NewUserInput } from '../../src/users/user.service.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestSesame {
  sesame: Sesame;
  /** Base URL of the running server, which is also the issuer. */
  url: string;
  database: TestDatabase;
  createUser(input?: Partial<NewUserInput>): Promise<{ id: string; username: string; password: string }>;
  createApp(input: NewApplicationInput): Promise<{ clientId: string; clientSecret?: string }>;
  stop(): Promise<void>;
}

let counter = 0;

export interface TestSesameOptions {
  /** Receives the server's log instead of standard output (see `captureLogs`). */
  logger?: (level: string) => Logger;
  /** Receives what Sesame prints for the operator (the first-run setup link) instead of standard output. */
  print?: (text: string) => void;
  /** Runs on this database (a restart of an earlier server); `stop` then leaves it for its owner to drop. */
  database?: TestDatabase;
}

/** A real Sesame HTTP server on a free loopback port, with a database of its own. */
export async function startTestSesame(env: Record<string, string> = {}, options: TestSesameOptions = {}): Promise<TestSesame> {
  const owned = !options.database;
  const database = options.database ?? await createTestDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: process.env.SESAME_TEST_LOG_LEVEL ?? 'silent', ...database.env, ...env });
  const sesame = await startSesame(config, (options.logger ?? createLogger)(config.logLevel), { print: options.print })
    .catch(async (error: unknown) => {
      if (owned) await database.drop();
      throw error;
    });
  return {
    sesame,
    url: sesame.issuer,
    database,
    async createUser(input = {}) {
      const username = input.username ?? `user${++counter}_${Date.now().toString(36)}`;
      const password = input.password ?? 'correct horse battery staple';
      const user = await createUser(sesame.db, { email: `${username}@example.com`, name: `Test ${username}`, ...input, username, password });
      return { id: user.id, username, password };
    },
    async createApp(input) {
      const { application, clientSecret } = await createApplication(sesame.db, input);
      return { clientId: application.id, clientSecret };
    },
    async stop() {
      try {
        await sesame.close();
      } finally {
        if (owned) await database.drop();
      }
    },
  };
}

/** A logger with Sesame's own settings (level, redaction) whose lines are kept in memory for a test to read. */
export function captureLogs(): { logger: (level: string) => Logger; text(): string } {
  const lines: string[] = [];
  return {
    logger: (level) => createLogger(level, { write: (line: string) => { lines.push(line); } }),
    text: () => lines.join(''),
  };
}
