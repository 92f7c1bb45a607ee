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

/**
 * Types that may use the device authorization grant (RFC 8628): apps on a device with a screen but no handy browser
 * (a CLI, a TV), public or confidential. A single-page app has a browser and m2m signs no one in.
 */
export function mayUseDeviceFlow(type: AppType): boolean {
  return type === 'native' || type === 'traditional';
}
