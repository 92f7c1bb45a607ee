import type { AppType } from '../api/types.ts';

export const appTypeLabels: Record<AppType, string> = {
  traditional: 'Traditional web',
  spa: 'Single page app',
  native: 'Native',
  m2m: 'Machine-to-machine',
};

export const appTypeDescriptions: Record<AppType, string> = {
  traditional: 'A web app that renders pages on its server and keeps a client secret there.',
  spa: 'A JavaScript app running in the browser; signs in with PKCE and no secret.',
  native: 'A mobile, desktop or command-line app; custom scheme or loopback redirects, PKCE.',
  m2m: 'A service or script calling APIs for itself with client credentials.',
};

/** Whether an app holds client secrets: the server's own rule. */
export { isConfidential, mayUseDeviceFlow } from '../../../src/apps/app-types.ts';

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * What the consent screen says for each user data scope (src/i18n/locales/en.ts), so the admin sees the
 * words the user will see.
 */
export const userScopeDescriptions: Record<string, string> = {
  openid: 'Know who you are (your account ID)',
  profile: 'Your name and basic profile',
  email: 'Your email address',
  phone: 'Your phone number',
  address: 'Your postal address',
  roles: 'Your roles',
  offline_access: 'Stay connected: keep access while you are away',
};
