/** What Sesame writes to people about. */
export const emailKinds = ['password_reset', 'email_verification', 'email_changed', 'password_changed', 'app_connected'] as const;
export type EmailKind = (typeof emailKinds)[number];
