import { createHash } from 'node:crypto';
import { html, SafeHtml } from './html.ts';

export const pageStyles = `
:root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--text:#1b1f24;--muted:#5b6471;--line:#d9dde3;--accent:#4f46e5;--accent-text:#fff;--danger:#b42318;--danger-bg:#fef3f2}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#181b21;--text:#e8eaee;--muted:#9aa3af;--line:#2b3039;--accent:#818cf8;--accent-text:#0f1115;--danger:#fda29b;--danger-bg:#3a1512}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP","Noto Sans KR",sans-serif}
main{width:100%;max-width:420px;margin:24px 16px;background:var(--card);border:1px solid var(--line);border-radius:16px;padding:32px 28px}
.brand{font-weight:700;font-size:20px;letter-spacing:.2px;margin:0 0 20px}
h1{font-size:22px;margin:0 0 8px}
p{margin:0 0 16px;color:var(--muted)}
label{display:block;font-weight:600;font-size:14px;margin:16px 0 6px}
input[type=text],input[type=password],input[type=email]{width:100%;padding:10px 12px;border:1px solid var(--line);border-radius:10px;background:transparent;color:var(--text);font:inherit}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button{width:100%;margin-top:24px;padding:11px 16px;border:0;border-radius:10px;background:var(--accent);color:var(--accent-text);font:inherit;font-weight:600;cursor:pointer}
button.secondary{margin-top:10px;background:transparent;color:var(--text);border:1px solid var(--line)}
.error{background:var(--danger-bg);color:var(--danger);border-radius:10px;padding:10px 12px;margin:16px 0 0;font-size:14px}
.muted{color:var(--muted);font-size:14px}
a{color:var(--accent)}
`;

export interface LayoutOptions {
  title: string;
  lang?: string;
  body: SafeHtml;
}

export function layout({ title, lang = 'en', body }: LayoutOptions): string {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${new SafeHtml(pageStyles)}</style>
</head>
<body><main>
<p class="brand">Sesame</p>
${body}
</main></body>
</html>`.value;
}

/**
 * The policy of every page Sesame renders: nothing loads but the inline stylesheet and images, and no
 * other site may frame it. There is no form-action: a signed-in form redirects on to the app.
 */
export const pageContentSecurityPolicy = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(pageStyles).digest('base64')}'`,
  "img-src 'self' https: data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
