import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailTranslator } from '../src/email/email-i18n.ts';
import { apiClient, managementToken } from './support/management.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { addressesOf, codeIn, linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';

/**
 * Email over SMTP from the durable queue: a real SMTP server in this process receives what Sesame sends. Messages
 * are branded and localised, with a text and an HTML part; failures are retried with back-off, refusals for good
 * are marked failed and can be sent again, and neither an SMTP outage nor a restart loses a message.
 */

const fast = { SESAME_EMAIL_RETRY_DELAY: '1', SESAME_EMAIL_MAX_RETRY_DELAY: '2' };

async function until<T>(what: string, read: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('sending through SMTP', () => {
  let mail: TestMailServer;
  let sesame: TestSesame;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    mail = await startMailServer();
    sesame = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_EMAIL_FROM: 'no-reply@acme.test', ...fast });
    api = apiClient(sesame, await managementToken(sesame));
    expect((await api('PUT', '/api/sign-in-experience', {
      product_name: 'Acme Corp', logo_url: 'https://cdn.acme.test/logo.png', primary_color: '#0f766e',
    })).status).toBe(200);
  });
  afterAll(async () => {
    await sesame?.stop();
    await mail?.stop();
  });

  it('says how email is delivered', async () => {
    const status = await api('GET', '/api/email-delivery');
    expect(status.body).toMatchObject({ delivery: 'smtp', from: 'no-reply@acme.test', hint: null });
  });

  it('sends a branded message with a text and an HTML part, as the product, authenticated to the server', async () => {
    const user = await sesame.createUser({ username: 'ines', email: 'ines@example.com' });
    const sent = await api('POST', `/api/users/${user.id}/verification-email`);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ email: 'ines@example.com' });

    const message = await mail.next('ines@example.com');
    expect(message.from?.value).toEqual([{ name: 'Acme Corp', address: 'no-reply@acme.test' }]);
    expect(addressesOf(message)).toEqual(['ines@example.com']);
    expect(message.headers.get('auto-submitted')).toBe('auto-generated');
    const code = codeIn(message);
    expect(message.subject).toBe('Verify your email address for Acme Corp');
    expect(message.text).toContain(`Your code:\n${code}\n`);
    const link = linkIn(message, `${sesame.url}/account/verify-email?token=`);
    expect(message.text).toContain('Acme Corp');
    expect(message.text).toContain(code);
    expect(message.html).toBeTruthy();
    const html = message.html as string;
    expect(html).toContain('<img src="https://cdn.acme.test/logo.png" alt="Acme Corp"');
    expect(html).toContain('background:#0f766e');
    expect(html).toContain(`href="${link.replaceAll('&', '&amp;')}"`);
    expect(html).toContain(code);

    // The server has it; the row says so a moment later.
    const listed = await until('sent', async () => {
      const found = await api('GET', `/api/emails?user_id=${user.id}`);
      return found.body.data[0]?.status === 'sent' ? found : undefined;
    });
    expect(listed.body.data).toMatchObject([{ kind: 'email_verification', recipient: 'ines@example.com', status: 'sent', attempts: 1, locale: 'en' }]);
    // Once delivered, Sesame keeps no copy of what it said (a working link).
    const read = await api('GET', `/api/emails/${listed.body.data[0].id}`);
    expect(read.body).toMatchObject({ status: 'sent', text: null, html: null });
    const stored = await sesame.sesame.db.selectFrom('emails').select('content').where('id', '=', listed.body.data[0].id).executeTakeFirstOrThrow();
    expect(stored.content).toBeNull();
    const row = await sesame.sesame.db.selectFrom('emails').select('subject').where('id', '=', listed.body.data[0].id).executeTakeFirstOrThrow();
    expect(row.subject, 'no code in what is kept').not.toContain(code);
  });

  it('writes in the language of the person (their locale, else the default language)', async () => {
    for (const lang of ['fr', 'ja', 'ko', 'ru', 'en']) {
      const user = await sesame.createUser({ username: `polyglot_${lang}`, email: `polyglot_${lang}@example.com` });
      expect((await api('PATCH', `/api/users/${user.id}`, { locale: `${lang}-XX` })).status).toBe(200);
      expect((await api('POST', `/api/users/${user.id}/verification-email`)).status).toBe(202);
      const message = await mail.next(`polyglot_${lang}@example.com`);
      const t = emailTranslator(lang);
      expect(message.subject, lang).toBe(t('verification.subject', { product: 'Acme Corp' }));
      expect(message.text).toContain(`${t('verification.code')}\n${codeIn(message)}`);
      expect(message.text).toContain(t('verification.heading'));
      expect(message.html).toContain(`<html lang="${lang}">`);
    }
  });

  it('tries again with back-off when the server says try later, until it accepts', async () => {
    const user = await sesame.createUser({ username: 'retry', email: 'retry@example.com' });
    mail.refuse(451);
    try {
      expect((await api('POST', `/api/users/${user.id}/verification-email`)).status).toBe(202);
      const failing = await until('two failed tries', async () => {
        const rows = await sesame.sesame.db.selectFrom('emails').selectAll().where('user_id', '=', user.id).execute();
        return rows[0] && rows[0].attempts >= 2 ? rows[0] : undefined;
      });
      expect(failing.status).toBe('pending');
      expect(failing.last_error).toMatch(/451/);
    } finally {
      mail.accept();
    }
    await mail.next('retry@example.com');
    const done = await until('sent', async () => (await api('GET', `/api/emails?user_id=${user.id}`)).body.data.find((e: { status: string }) => e.status === 'sent'));
    expect(done.last_error).toBeNull();
  });

  it('marks a message the server refuses for good failed, and an admin sends it again', async () => {
    const user = await sesame.createUser({ username: 'bounce', email: 'bounce@example.com' });
    mail.refuse(550);
    let failed;
    try {
      expect((await api('POST', `/api/users/${user.id}/verification-email`)).status).toBe(202);
      failed = await until('failed', async () => (await api('GET', `/api/emails?user_id=${user.id}&status=failed`)).body.data[0]);
    } finally {
      mail.accept();
    }
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toMatch(/550/);
    const readable = await api('GET', `/api/emails/${failed.id}`);
    expect(readable.body.text).toContain('bounce');

    const again = await api('POST', `/api/emails/${failed.id}/retry`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'pending', attempts: 0 });
    await mail.next('bounce@example.com');
    await until('sent', async () => (await api('GET', `/api/emails/${failed.id}`)).body.status === 'sent');
    const twice = await api('POST', `/api/emails/${failed.id}/retry`);
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'email.not_retryable' });
    expect((await api('POST', '/api/emails/msg_nope/retry')).status).toBe(404);
  });
});

describe('an SMTP outage and a restart lose no message', () => {
  let mail: TestMailServer;
  let database: TestDatabase;

  beforeAll(async () => {
    mail = await startMailServer();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await mail?.stop().catch(() => {});
    await database?.drop();
  });

  it('keeps the message queued while the server is down, across a restart, and sends it once the server is back', async () => {
    await mail.stop();
    const env = { SESAME_SMTP_URL: mail.url, ...fast };
    const first = await startTestSesame(env, { database });
    let userId: string;
    try {
      const user = await first.createUser({ username: 'outage', email: 'outage@example.com' });
      userId = user.id;
      const api = apiClient(first, await managementToken(first));
      expect((await api('POST', `/api/users/${user.id}/verification-email`)).status).toBe(202);
      const tried = await until('a failed try', async () => {
        const row = await first.sesame.db.selectFrom('emails').selectAll().where('user_id', '=', user.id).executeTakeFirst();
        return row && row.attempts >= 1 && row.last_error ? row : undefined;
      });
      expect(tried.status).toBe('pending');
      expect(tried.last_error).toMatch(/ECONNREFUSED/);
    } finally {
      await first.stop();
    }

    await mail.restart();
    const second = await startTestSesame(env, { database });
    try {
      const message = await mail.next('outage@example.com');
      expect(message.subject).toBe('Verify your email address for Sesame');
      expect(codeIn(message)).toMatch(/^\d{6}$/);
      const row = await until('sent', async () => {
        const found = await second.sesame.db.selectFrom('emails').selectAll().where('user_id', '=', userId).executeTakeFirst();
        return found?.status === 'sent' ? found : undefined;
      });
      expect(row.attempts).toBeGreaterThanOrEqual(2);
      expect(mail.received.filter((m) => addressesOf(m).includes('outage@example.com'))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('a node stopping while a send hangs', () => {
  it('cuts the send short and leaves the message queued for the next try', async () => {
    // An SMTP server that takes the connection and never answers.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const database = await createTestDatabase();
    const node = await startTestSesame({ SESAME_SMTP_URL: `smtp://127.0.0.1:${(silent.address() as net.AddressInfo).port}` }, { database });
    try {
      const user = await node.createUser({ username: 'hang', email: 'hang@example.com' });
      const api = apiClient(node, await managementToken(node));
      expect((await api('POST', `/api/users/${user.id}/verification-email`)).status).toBe(202);
      await until('the send to start', async () => {
        const row = await node.sesame.db.selectFrom('emails').select('attempts').where('user_id', '=', user.id).executeTakeFirst();
        return row && row.attempts >= 1;
      });
      await node.sesame.close();
      const after = await startTestSesame({}, { database });
      try {
        const row = await after.sesame.db.selectFrom('emails').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
        expect(row.status).toBe('pending');
        expect(row.last_error).toMatch(/EABORT|stopping/i);
      } finally {
        await after.stop();
      }
    } finally {
      await database.drop();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('several nodes share the queue', () => {
  it('sends each message once, whichever node takes it', async () => {
    const mail = await startMailServer();
    const database = await createTestDatabase();
    const env = { SESAME_SMTP_URL: mail.url, ...fast };
    const nodes = [await startTestSesame(env, { database }), await startTestSesame(env, { database })];
    try {
      const count = 30;
      const users = await Promise.all(Array.from({ length: count }, (_, i) => nodes[0]!.createUser({ username: `shared${i}`, email: `shared${i}@example.com` })));
      // Queued from both nodes at once, so both wake and claim.
      await Promise.all(users.map((user, i) => nodes[i % 2]!.sesame.recovery.mailer.send({
        kind: 'email_verification', to: `shared${i}@example.com`, locale: 'en', userId: user.id, productName: 'Sesame',
        subject: `message ${i}`, text: `text ${i}`, html: `<p>html ${i}</p>`,
      })));
      await until('every message', async () => mail.received.filter((m) => /^message \d+$/.test(m.subject ?? '')).length >= count);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const subjects = mail.received.map((m) => m.subject).filter((s) => /^message \d+$/.test(s ?? ''));
      expect(subjects).toHaveLength(count);
      expect(new Set(subjects).size).toBe(count);
    } finally {
      for (const node of nodes) await node.stop();
      await database.drop();
      await mail.stop();
    }
  });
});
