import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressProblem } from '../src/net/address-policy.ts';
import { safeFetch, SafeFetchError, type Resolver } from '../src/net/safe-fetch.ts';

/**
 * The fetch Sesame uses for URLs strangers name (client ID metadata documents, key sets, logout endpoints): what
 * an attacker tries to make it reach (SSRF) is refused whatever way the address is written or resolved. No
 * external DNS exists here, so names are resolved by a resolver the test brings (which also proves the
 * connection goes to the address that was checked) or by the system's own `localhost`.
 */

let server: http.Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/doc') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url === '/redirect') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
    if (req.url === '/big-declared') return res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100_000 }).end('x'.repeat(100_000));
    if (req.url === '/big-streamed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 100; i++) res.write('x'.repeat(1000));
      return res.end();
    }
    if (req.url === '/slow') return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const limits = { maxBytes: 8 * 1024, timeoutMs: 10_000 };

/** A resolver that answers fixed addresses for every name, and counts what it was asked. */
function resolverOf(...addresses: string[]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = ((hostname, _options, callback) => {
    asked.push(hostname);
    callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as Resolver & { asked: string[] };
  resolve.asked = asked;
  return resolve;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, 'the fetch should have been refused').toBeInstanceOf(Error);
  // undici wraps a refused lookup as the cause of "fetch failed".
  const reason = error instanceof SafeFetchError ? error : (error as { cause?: unknown }).cause;
  expect(reason).toBeInstanceOf(SafeFetchError);
  return (reason as Error).message;
}

describe('addresses Sesame may reach', () => {
  it('refuses private, loopback, link-local, CGNAT, multicast, unspecified and special-use addresses, in every IPv6 form', () => {
    for (const address of [
      '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '127.0.0.1', '127.255.0.9', '169.254.169.254',
      '100.64.0.1', '100.127.255.254', '0.0.0.0', '224.0.0.251', '239.255.255.250', '255.255.255.255', '198.18.0.1',
      '::', '::1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
      '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:10.0.0.1', '::ffff:c0a8:101', '::10.0.0.1',
      '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '[::1]', '[::ffff:10.1.2.3]',
    ]) expect(addressProblem(address, false), address).toBeDefined();
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8']) {
      expect(addressProblem(address, false), address).toBeUndefined();
    }
  });

  it('lets loopback through only when the setting allows it, and nothing else with it', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(addressProblem(address, true), address).toBeUndefined();
    for (const address of ['10.0.0.1', '169.254.169.254', '::', '0.0.0.0', 'fe80::1']) expect(addressProblem(address, true), address).toBeDefined();
  });

  it('treats what is not an address as a problem', () => {
    expect(addressProblem('example.com', false)).toMatch(/not an IP address/);
  });
});

describe('safe fetch', () => {
  it('refuses URLs whose host is a refused address, however it is written', async () => {
    const fetch = safeFetch({ ...limits, allowLoopback: false });
    for (const url of [
      'http://10.0.0.1/doc', 'https://169.254.169.254/latest/meta-data/', `http://127.0.0.1:${port}/doc`,
      `http://[::1]:${port}/doc`, 'http://[fe80::1]/', `http://[::ffff:127.0.0.1]:${port}/doc`, 'http://[::ffff:a9fe:a9fe]/',
      // Decimal, hexadecimal, octal and short IPv4 forms are read by the URL parser as the address they mean.
      `http://2130706433:${port}/doc`, `http://0x7f.1:${port}/doc`, `http://0177.0.0.1:${port}/doc`, `http://127.1:${port}/doc`,
      'http://0xa9fea9fe/', 'http://100.64.0.1/', 'http://[fc00::1]/', 'http://224.0.0.1/', 'http://0.0.0.0/', 'http://[::]/',
    ]) expect(await refusal(fetch(url)), url).toMatch(/address/);
    expect(hits).toEqual([]);
  });

  it('checks every address a name resolves to, before connecting', async () => {
    for (const addresses of [['169.254.169.254'], ['10.0.0.7'], ['93.184.216.34', '192.168.0.10'], ['::ffff:10.0.0.1'], ['fd00::1']]) {
      const resolve = resolverOf(...addresses);
      const fetch = safeFetch({ ...limits, allowLoopback: false, resolve });
      expect(await refusal(fetch('https://client.example/metadata.json')), addresses.join()).toMatch(/resolves to a refused address/);
      expect(resolve.asked).toEqual(['client.example']);
    }
  });

  it('connects to the address it checked', async () => {
    // client.example exists in no DNS: the answer can only come from the address the resolver gave and the check let through.
    const resolve = resolverOf('127.0.0.1');
    const response = await safeFetch({ ...limits, allowLoopback: true, resolve })(`http://client.example:${port}/doc`);
    expect(await response.json()).toEqual({ ok: true });
    expect(resolve.asked).toEqual(['client.example']);
  });

  it('refuses localhost through the system resolver unless loopback is allowed', async () => {
    expect(await refusal(safeFetch({ ...limits, allowLoopback: false })(`http://localhost:${port}/doc`))).toMatch(/loopback/);
    const response = await safeFetch({ ...limits, allowLoopback: true })(`http://localhost:${port}/doc`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('does not follow redirects, not even to addresses it would refuse', async () => {
    const before = hits.length;
    const message = await refusal(safeFetch({ ...limits, allowLoopback: true })(`http://127.0.0.1:${port}/redirect`));
    expect(message).toMatch(/redirects are not followed/);
    expect(hits.slice(before)).toEqual(['/redirect']);
  });

  it('cuts answers larger than the limit, declared or streamed', async () => {
    const fetch = safeFetch({ ...limits, allowLoopback: true });
    expect(await refusal(fetch(`http://127.0.0.1:${port}/big-declared`))).toMatch(/larger than 8192 bytes/);
    const streamed = await fetch(`http://127.0.0.1:${port}/big-streamed`);
    expect(await refusal(streamed.text())).toMatch(/larger than 8192 bytes/);
  });

  it('gives up on an answer that does not come in time', async () => {
    const error = await safeFetch({ ...limits, timeoutMs: 200, allowLoopback: true })(`http://127.0.0.1:${port}/slow`).then(() => undefined, (e: unknown) => e);
    expect((error as Error).name).toMatch(/TimeoutError|AbortError/);
  });

  it('wants JSON from a GET', async () => {
    expect(await refusal(safeFetch({ ...limits, allowLoopback: true })(`http://127.0.0.1:${port}/html`))).toMatch(/not JSON/);
  });

  it('fetches only http and https URLs without user information', async () => {
    const fetch = safeFetch({ ...limits, allowLoopback: true });
    expect(await refusal(fetch('file:///etc/passwd'))).toMatch(/not fetched/);
    expect(await refusal(fetch(`http://user:pw@127.0.0.1:${port}/doc`))).toMatch(/user information/);
  });
});
