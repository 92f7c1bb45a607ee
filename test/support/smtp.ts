import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in the test process (the smtp-server package), which Sesame sends to through SESAME_SMTP_URL.
 * It keeps every message it accepts, parsed by mailparser, for the test to read; it can refuse messages (for
 * good or for a while) and be stopped and started again on the same port (an outage).
 */
export interface TestMailServer {
  /** What SESAME_SMTP_URL is set to: with the user and password this server accepts. */
  url: string;
  port: number;
  received: ParsedMail[];
  /** The next message (to `to`, when given) that arrives, or one that already did and was not taken. */
  next(to?: string, timeoutMs?: number): Promise<ParsedMail>;
  /** Answers every RCPT TO with this reply (451: try later; 550: refused for good), until `accept()`. */
  refuse(code: 451 | 550): void;
  accept(): void;
  /** Stops listening: connections are refused, as when the server is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

export const smtpUser = 'sesame';
export const smtpPassword = 'smtp secret';

export async function startMailServer(port = 0): Promise<TestMailServer> {
  const received: ParsedMail[] = [];
  const taken = new Set<ParsedMail>();
  const waiting: { to?: string; resolve: (mail: ParsedMail) => void }[] = [];
  let refusal: 451 | 550 | undefined;
  const matches = (mail: ParsedMail, to?: string) => !to || addressesOf(mail).includes(to.toLowerCase());

  const deliver = (mail: ParsedMail) => {
    received.push(mail);
    const waiter = waiting.find((w) => matches(mail, w.to));
    if (!waiter) return;
    waiting.splice(waiting.indexOf(waiter), 1);
    taken.add(mail);
    waiter.resolve(mail);
  };

  const create = () => new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === smtpUser && auth.password === smtpPassword) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      if (!refusal) return callback();
      const message = refusal === 451 ? 'Try again later' : 'Mailbox unavailable';
      return callback(Object.assign(new Error(message), { responseCode: refusal }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        deliver(mail);
        callback();
      }, callback);
    },
  });

  let server = create();
  const listen = (on: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
  });
  const boundPort = await listen(port);

  return {
    url: `smtp://${smtpUser}:${encodeURIComponent(smtpPassword)}@127.0.0.1:${boundPort}`,
    port: boundPort,
    received,
    next(to, timeoutMs = 60_000) {
      const arrived = received.find((mail) => !taken.has(mail) && matches(mail, to));
      if (arrived) {
        taken.add(arrived);
        return Promise.resolve(arrived);
      }
      return new Promise((resolve, reject) => {
        const waiter = { to, resolve: (mail: ParsedMail) => { clearTimeout(timer); resolve(mail); } };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error(`no email${to ? ` to ${to}` : ''} arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.push(waiter);
      });
    },
    refuse(code) { refusal = code; },
    accept() { refusal = undefined; },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async restart() {
      server = create();
      await listen(boundPort);
    },
  };
}

/** The recipients of a parsed message, lower-cased. */
export function addressesOf(mail: ParsedMail): string[] {
  const to = [mail.to ?? []].flat();
  return to.flatMap((group) => group.value.map((address) => (address.address ?? '').toLowerCase()));
}

/** The first link in a message's text part that starts with `prefix`. */
export function linkIn(mail: ParsedMail, prefix: string): string {
  const link = (mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link to ${prefix} in the email "${mail.subject}"`);
  return link;
}

/** The six-digit code of a verification email (on a line of its own in the text part). */
export function codeIn(mail: ParsedMail): string {
  const code = /^(\d{6})$/m.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`no code in the email "${mail.subject}"`);
  return code;
}
