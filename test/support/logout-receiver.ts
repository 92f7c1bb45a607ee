import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

/** What an app's back-channel logout endpoint received: the form's logout_token, and how it answered. */
export interface ReceivedLogout {
  token: string;
  answered: number;
  contentType: string | undefined;
}

/**
 * An app's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.5), a real HTTP server on a
 * loopback port. It answers with the statuses `answers` lists, one per request, then 200; it can be stopped (the
 * app is down) and started again on the same port.
 */
export class LogoutReceiver {
  readonly received: ReceivedLogout[] = [];
  answers: number[] = [];
  #server: Server | undefined;
  #port = 0;
  #waiters: { count: number; resolve(): void }[] = [];

  get uri(): string {
    return `http://127.0.0.1:${this.#port}/backchannel-logout`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk; });
      req.on('end', () => {
        const status = this.answers.shift() ?? 200;
        const token = new URLSearchParams(body).get('logout_token') ?? '';
        this.received.push({ token, answered: status, contentType: req.headers['content-type'] });
        res.writeHead(status, { 'cache-control': 'no-store' }).end();
        for (const waiter of this.#waiters.filter((w) => this.accepted().length >= w.count)) waiter.resolve();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.#port, '127.0.0.1', () => resolve()));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  }

  /** The tokens the app accepted (answered 2xx). */
  accepted(): ReceivedLogout[] {
    return this.received.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  /** Resolves once `count` tokens have been accepted. */
  waitForAccepted(count = 1): Promise<ReceivedLogout[]> {
    if (this.accepted().length >= count) return Promise.resolve(this.accepted());
    return new Promise((resolve) => { this.#waiters.push({ count, resolve: () => resolve(this.accepted()) }); });
  }
}

/**
 * Validates a logout token the way §2.6 tells an app to: signature against the issuer's JWKS, `iss`, `aud`, `iat`,
 * `typ`, the back-channel logout event, `sub` or `sid`, and no `nonce`.
 */
export async function verifyLogoutToken(token: string, issuer: string, clientId: string): Promise<JWTPayload & { sid?: string; events: Record<string, unknown> }> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/oidc/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience: clientId, typ: 'logout+jwt', requiredClaims: ['iat', 'jti', 'events'] });
  if (decodeProtectedHeader(token).alg === 'none') throw new Error('unsigned logout token');
  const events = payload.events as Record<string, unknown> | undefined;
  if (!events || typeof events['http://schemas.openid.net/event/backchannel-logout'] !== 'object') throw new Error('no back-channel logout event');
  if ('nonce' in payload) throw new Error('a logout token must not carry a nonce');
  if (!payload.sub && !payload.sid) throw new Error('a logout token names a sub or a sid');
  void protectedHeader;
  return payload as JWTPayload & { sid?: string; events: Record<string, unknown> };
}
