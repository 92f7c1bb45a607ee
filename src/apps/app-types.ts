/**
 * The kinds of app (DESIGN.md §3), the one place they are listed, and what follows from a type. Imports
 * nothing, so the console uses it as it is.
 */
export const appTypes = ['traditional', 'spa', 'native', 'm2m'] as const;
export type AppType = (typeof appTypes)[number];

/** Types that hold client secrets and authenticate at the token endpoint. */
export function isConfidential(type: AppType): boolean {
  return type === 'traditional' || type === 'm2m';
}

export function mayBeThirdParty(type: AppType): boolean {
  return type !== 'm2m';
}

/** Who made an app (DESIGN.md §7): an admin, dynamic registration (RFC 7591), or a client ID metadata document. */
export const appOrigins = ['admin', 'dcr', 'cimd'] as const;
export type AppOrigin = (typeof appOrigins)[number];

/** Only an approved app signs anyone in. Apps an admin makes are approved; dynamic ones follow the admin's policy. */
export const appStatuses = ['pending', 'approved', 'denied'] as const;
export type AppStatus = (typeof appStatuses)[number];

/** Apps that arrived by themselves: always third-party, never with management access. */
export function isDynamicOrigin(origin: AppOrigin): boolean {
  return origin !== 'admin';
}
