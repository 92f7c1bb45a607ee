/**
 * Sesame's own icon, for browsers' /favicon.ico and the pages' <link rel="icon">: an SVG (every current browser
 * takes one, whatever the path says), a keyhole on the default accent. The sign-in experience's logo is an
 * image URL of any type and size, so it is not used here.
 */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f46e5"/><circle cx="16" cy="13" r="5" fill="#fff"/><path d="M13.5 16h5l1.5 9h-8z" fill="#fff"/></svg>`;

/** It changes only with a new Sesame version: a day in any cache. */
export const faviconCacheControl = 'public, max-age=86400';
