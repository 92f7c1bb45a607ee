import { BlockList, isIP } from 'node:net';

/**
 * Which addresses Sesame may connect to when a stranger names the URL (a client ID metadata document, a key
 * set, a logout endpoint): only public unicast ones. Private networks, loopback, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast, documentation and other special-use ranges (RFC 6890 and its
 * IANA registries) are refused, so a URL cannot make Sesame reach what sits behind its firewall (SSRF).
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) refused.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // ::/96 holds the unspecified address and the deprecated IPv4-compatible forms (::10.0.0.1).
  ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2002::', 16], ['3fff::', 20], ['5f00::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) refused.addSubnet(network, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An IPv4 address written inside an IPv6 one (`::ffff:10.0.0.1`, `::ffff:a00:1`): it is the IPv4 address that is reached. */
function mappedIpv4(address: string): string | undefined {
  // The URL parser writes every IPv6 form one way (compressed, lower case, the IPv4 part as two hex words).
  const canonical = new URL(`http://[${address}]`).hostname;
  const words = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (!words) return undefined;
  const high = parseInt(words[1]!, 16);
  const low = parseInt(words[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * Why Sesame must not connect to `address` (an IP address, as a resolver or a URL's host gives it), or undefined
 * when it may. `allowLoopback` lets 127.0.0.0/8 and ::1 through, for tests and local development only.
 */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) return `${JSON.stringify(address)} is not an IP address`;
  const ipv4 = version === 4 ? bare : mappedIpv4(bare);
  const [checked, family] = ipv4 ? [ipv4, 'ipv4' as const] : [bare, 'ipv6' as const];
  if (loopback.check(checked, family)) {
    return allowLoopback ? undefined : `${address} is a loopback address`;
  }
  return refused.check(checked, family) ? `${address} is a private, link-local or special-use address` : undefined;
}
