import { html, type SafeHtml } from './html.ts';

export interface LogoOptions {
  /** The logo; without one, the initial of `name` on a tile. */
  url: string | null | undefined;
  /** Shown instead in dark mode. */
  darkUrl: string | null | undefined;
  name: string;
  alt: string;
  size: number;
  /** The tile's look: an app's (`logo-letter`) or Sesame's own (`logo-idp`). */
  tileClass: 'logo-letter' | 'logo-idp';
}

/** A square logo that follows the colour scheme, as the consent screen and the account page show them. */
export function logo({ url, darkUrl, name, alt, size, tileClass }: LogoOptions): SafeHtml {
  if (!url) return html`<span class="logo ${tileClass}" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</span>`;
  return html`<picture>
    ${darkUrl ? html`<source media="(prefers-color-scheme: dark)" srcset="${darkUrl}">` : ''}
    <img class="logo" src="${url}" alt="${alt}" width="${size}" height="${size}" referrerpolicy="no-referrer">
  </picture>`;
}
