/**
 * What an admin lets each kind of self-arriving app do (issue 14): `off` refuses it, `approval` records it as pending
 * until an admin approves it, `open` lets it sign people in at once. Imports nothing, so the console uses it as it is.
 */
export const registrationModes = ['off', 'approval', 'open'] as const;
export type RegistrationMode = (typeof registrationModes)[number];

/** The two ways an app arrives by itself: RFC 7591 dynamic registration, or a client ID metadata document. */
export const dynamicOrigins = ['dcr', 'cimd'] as const;
export type DynamicOrigin = (typeof dynamicOrigins)[number];
