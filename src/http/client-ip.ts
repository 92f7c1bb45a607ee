import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The client's IP address, as throttling and the audit trail record it: the address of the connection, or,
 * behind a trusted reverse proxy (`SESAME_TRUST_PROXY`), the one that proxy appended to X-Forwarded-For. Only
 * the last entry is the proxy's own: anything before it was sent by the client, who could write whatever it likes.
 */
export function clientIp(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: boolean): string {
  const socket = plainAddress(req.socket?.remoteAddress ?? '') || 'unknown';
  if (!trustProxy) return socket;
  const header = req.headers['x-forwarded-for'];
  // Node joins repeated headers with ", ", so the last entry of the joined value is still the nearest proxy's.
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').at(-1)?.trim() ?? '';
  const address = plainAddress(forwarded);
  return isIP(address) ? address : socket;
}

/** `::ffff:203.0.113.5` is the IPv4 address 203.0.113.5; one address has one spelling. */
function plainAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}
