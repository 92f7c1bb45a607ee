import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A web site on this machine that serves client ID metadata documents over https, as an MCP client's or any app's
 * site does. Its certificate is made here and trusted by this test process (where Sesame runs) as an operator
 * trusts a private CA: nothing in Sesame is told to skip TLS checks. Each path answers what the test set for it.
 */
export interface HostedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answers (a slow site). */
  hang?: boolean;
}

export class MetadataHost {
  #server?: https.Server;
  #answers = new Map<string, HostedAnswer>();
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  origin = '';

  async start(hostname: 'localhost' | '127.0.0.1' = 'localhost'): Promise<this> {
    const { cert, key } = await selfSignedCertificate();
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), cert]);
    this.#server = https.createServer({ cert, key }, (req, res) => {
      this.requests.push(req.url ?? '');
      const answer = this.#answers.get(req.url ?? '');
      if (!answer) return res.writeHead(404).end();
      if (answer.hang) return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '');
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.origin = `https://${hostname}:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Serves `answer` at `path`; returns the URL. */
  serve(path: string, answer: HostedAnswer): string {
    this.#answers.set(path, answer);
    return `${this.origin}${path}`;
  }

  /** Serves a metadata document naming itself by its URL, with `fields` over a public client's defaults. */
  document(path: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}): string {
    const url = `${this.origin}${path}`;
    this.serve(path, { headers, body: JSON.stringify({ client_id: url, token_endpoint_auth_method: 'none', ...fields }) });
    return url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

/** A certificate for localhost and 127.0.0.1, valid for a day, made by the machine's openssl. */
async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sesame-metadata-host-'));
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ]);
    return { cert: await readFile(path.join(dir, 'cert.pem'), 'utf8'), key: await readFile(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
