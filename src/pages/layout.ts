import { createHash } from 'node:crypto';
import { html, SafeHtml } from './html.ts';
import type { PageScript } from './page-scripts.ts';
import { logoSources } from './logo-sources.ts';

export const pageStyles = `
:root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--text:#1b1f24;--muted:#5b6471;--line:#d9dde3;--accent:#4f46e5;--accent-text:#fff;--danger:#b42318;--danger-bg:#fef3f2}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#181b21;--text:#e8eaee;--muted:#9aa3af;--line:#2b3039;--accent:#818cf8;--accent-text:#0f1115;--danger:#fda29b;--danger-bg:#3a1512}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP","Noto Sans KR",sans-serif}
main{width:100%;max-width:420px;margin:24px 16px;background:var(--card);border:1px solid var(--line);border-radius:16px;padding:32px 28px}
.brand{font-weight:700;font-size:20px;letter-spacing:.2px;margin:0 0 20px}
.brand img{display:block;height:36px;max-width:220px;object-fit:contain}
h1{font-size:22px;margin:0 0 8px}
p{margin:0 0 16px;color:var(--muted)}
label{display:block;font-weight:600;font-size:14px;margin:16px 0 6px}
input[type=text],input[type=password],input[type=email]{width:100%;padding:10px 12px;border:1px solid var(--line);border-radius:10px;background:transparent;color:var(--text);font:inherit}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button{width:100%;margin-top:24px;padding:11px 16px;border:0;border-radius:10px;background:var(--accent);color:var(--accent-text);font:inherit;font-weight:600;cursor:pointer}
button.secondary{margin-top:10px;background:transparent;color:var(--text);border:1px solid var(--line)}
.error{background:var(--danger-bg);color:var(--danger);border-radius:10px;padding:10px 12px;margin:16px 0 0;font-size:14px}
.muted{color:var(--muted);font-size:14px}
.alt-action{margin:20px 0 0;text-align:center}
.hint{margin:6px 0 0}
a{color:var(--accent)}
main.wide{max-width:640px}
h2{font-size:17px;margin:28px 0 10px}
h3{font-size:16px;margin:0 0 2px}
.logos{display:flex;align-items:center;gap:12px;margin:0 0 18px}
.logo{width:48px;height:48px;border-radius:12px;object-fit:contain;flex:none}
.logo-letter,.logo-idp{display:inline-flex;align-items:center;justify-content:center;background:var(--line);color:var(--text);font-weight:700;font-size:20px}
.logo-idp{background:var(--accent);color:var(--accent-text)}
.link-dots{color:var(--muted);font-size:20px}
.user{font-size:14px}
fieldset.permissions{border:1px solid var(--line);border-radius:12px;margin:16px 0 0;padding:8px 14px 12px}
fieldset.permissions legend{font-weight:600;font-size:14px;padding:0 6px}
label.permission{display:flex;gap:10px;align-items:flex-start;font-weight:400;font-size:15px;margin:10px 0 0}
label.permission input{margin-top:4px;width:18px;height:18px;accent-color:var(--accent);flex:none}
.legal,.destination{margin-top:16px}
.trust{margin-top:16px}
.answer-host{margin:0;font-size:15px;overflow-wrap:anywhere}
.answer-host strong{font-size:18px;color:var(--text)}
.warning{background:var(--danger-bg);color:var(--danger);border-radius:10px;padding:10px 12px;margin:10px 0 0;font-size:14px}
form+form button{margin-top:10px}
.notice{background:var(--line);color:var(--text);border-radius:10px;padding:10px 12px}
dl.profile{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}
dl.profile dt{color:var(--muted);font-size:14px}
dl.profile dd{margin:0}
ul.apps{list-style:none;padding:0;margin:0}
li.app{display:flex;gap:14px;padding:16px 0;border-top:1px solid var(--line)}
li.app .logo{width:40px;height:40px}
.app-body{flex:1;min-width:0}
.app-body p{margin:0 0 4px}
ul.scopes{margin:0 0 8px;padding-left:20px;font-size:14px}
button.danger{width:auto;margin-top:8px;padding:8px 14px;background:transparent;color:var(--danger);border:1px solid var(--danger)}
[hidden]{display:none!important}
details.alt-action form{text-align:left}
summary{cursor:pointer;color:var(--accent)}
img.qr{display:block;margin:8px auto 16px;width:200px;height:200px;background:#fff;border-radius:8px}
code.key{display:block;padding:10px 12px;border:1px solid var(--line);border-radius:10px;font-size:15px;letter-spacing:.5px;word-break:break-all;text-align:center}
ol.codes{display:grid;grid-template-columns:1fr 1fr;gap:6px 24px;margin:0 0 8px;padding-left:24px;font-size:16px}
ul.factors{list-style:none;padding:0;margin:0}
li.factor{display:flex;align-items:center;justify-content:space-between;gap:12px;padding:12px 0;border-top:1px solid var(--line)}
li.factor p{margin:0}
li.factor form button{margin-top:0}
button.inline{width:auto;margin-top:8px;padding:8px 14px}
form.inline{display:inline;margin-left:8px}
form.inline button.link{width:auto;margin:0;padding:0;background:none;color:var(--accent);font-weight:400;font-size:13px;text-decoration:underline}
section[aria-labelledby=two-step] h3{margin:22px 0 6px}
ul.sessions{list-style:none;padding:0;margin:0}
li.session{padding:14px 0;border-top:1px solid var(--line)}
.badge{display:inline-block;margin-left:6px;padding:1px 8px;border-radius:999px;background:var(--accent);color:var(--accent-text);font-size:12px;font-weight:600;vertical-align:middle}
.credentials h3{margin:24px 0 0}
.credentials .notice{margin:12px 0 0}
`;

/** How the sign-in experience dresses Sesame's pages: the product name and logos in the header, the accent colour. */
export interface PageBrand {
  productName: string;
  logoUrl: string | null;
  logoDarkUrl: string | null;
  /** `#rrggbb` */
  primaryColor: string;
}

export const defaultPageBrand: PageBrand = { productName: 'Sesame', logoUrl: null, logoDarkUrl: null, primaryColor: '#4f46e5' };

/** Where a request's brand is kept for sendPage (set by the sign-in experience middleware). */
export interface PageState {
  signInExperience?: PageBrand;
}

function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/**
 * The second stylesheet of a page whose accent is not the default: the colour, and white or black text on it,
 * whichever reads better. Only a validated `#rrggbb` ever gets here; the CSP allows it by its hash.
 */
export function brandStyles(brand: PageBrand | undefined): string | undefined {
  const color = brand?.primaryColor.toLowerCase();
  if (!color || !/^#[0-9a-f]{6}$/.test(color) || color === defaultPageBrand.primaryColor) return undefined;
  return `:root{--accent:${color};--accent-text:${textColorOn(color)}}`;
}

/** White or black text on an accent colour (`#rrggbb`), whichever reads better (WCAG contrast). */
export function textColorOn(color: string): string {
  const light = relativeLuminance(color);
  return (1.05 / (light + 0.05)) >= ((light + 0.05) / 0.05) ? '#ffffff' : '#111111';
}

export interface LayoutOptions {
  title: string;
  lang?: string;
  body: SafeHtml;
  /** A page with more to show than a form (the account page). */
  wide?: boolean;
  /** The sign-in experience; Sesame's own look when absent. */
  brand?: PageBrand;
  /** Scripts the page runs (src/pages/page-scripts.ts); sendPage must then be told to allow them. */
  scripts?: PageScript[];
}

function brandHeader(brand: PageBrand): SafeHtml {
  if (!brand.logoUrl) return html`<p class="brand">${brand.productName}</p>`;
  return html`<p class="brand"><picture>${brand.logoDarkUrl ? html`<source media="(prefers-color-scheme: dark)" srcset="${brand.logoDarkUrl}">` : ''}<img src="${brand.logoUrl}" alt="${brand.productName}" referrerpolicy="no-referrer"></picture></p>`;
}

export function layout({ title, lang = 'en', body, wide = false, brand = defaultPageBrand, scripts = [] }: LayoutOptions): string {
  const accent = brandStyles(brand);
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${title}${brand.productName !== defaultPageBrand.productName ? ` · ${brand.productName}` : ''}</title>
<style>${new SafeHtml(pageStyles)}</style>
${accent ? html`<style>${new SafeHtml(accent)}</style>` : ''}
</head>
<body><main${wide ? new SafeHtml(' class="wide"') : ''}>
${brandHeader(brand)}
${body}
</main>${scripts.map((script) => html`<script src="${script.path}" integrity="${script.integrity}" defer></script>`)}</body>
</html>`.value;
}

const styleHash = (styles: string) => `'sha256-${createHash('sha256').update(styles).digest('base64')}'`;

/**
 * The policy of every page Sesame renders: nothing loads but the inline stylesheets and images, and no
 * other site may frame it. There is no form-action: a signed-in form redirects on to the app.
 * A branded page also carries its accent stylesheet, allowed by its own hash.
 * Logos come from where src/pages/logo-sources.ts says (plain http only on localhost and 127.0.0.1).
 */
export function pageContentSecurityPolicyFor(brand?: PageBrand, scripts?: { origin: string }): string {
  const accent = brandStyles(brand);
  return [
    "default-src 'none'",
    // A page with WebAuthn forms runs Sesame's own scripts, from /assets/ and nowhere else.
    ...(scripts ? [`script-src ${scripts.origin}/assets/`] : []),
    `style-src ${styleHash(pageStyles)}${accent ? ` ${styleHash(accent)}` : ''}`,
    `img-src ${logoSources.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const pageContentSecurityPolicy = pageContentSecurityPolicyFor();
