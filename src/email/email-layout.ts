import { html, SafeHtml } from '../pages/html.ts';
import { textColorOn } from '../pages/layout.ts';

/** How the sign-in experience dresses an email: the product name or logo at the top, the accent colour of the button. */
export interface EmailBrand {
  productName: string;
  logoUrl: string | null;
  /** `#rrggbb` */
  primaryColor: string;
}

/** What a message says, in its reader's language; the layout gives it an HTML and a plain-text part. */
export interface EmailParts {
  locale: string;
  brand: EmailBrand;
  subject: string;
  heading: string;
  intro: string[];
  /** A one-time code, shown large under its label. */
  code?: { label: string; value: string };
  /** The one button, with the words that offer its link in full. */
  action?: { label: string; url: string; fallback: string };
  outro: string[];
  footer: string;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

const font = "-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK JP','Noto Sans KR',Arial,sans-serif";
const muted = '#5b6471';

/** Table layout and inline styles only: what mail clients render alike. Every value is escaped. */
function htmlPart(parts: EmailParts): string {
  const { brand, action } = parts;
  const accent = /^#[0-9a-f]{6}$/i.test(brand.primaryColor) ? brand.primaryColor.toLowerCase() : '#4f46e5';
  const header = brand.logoUrl
    ? html`<img src="${brand.logoUrl}" alt="${brand.productName}" height="36" style="display:block;height:36px;max-width:220px;border:0">`
    : html`<span style="font-size:20px;font-weight:700;color:#1b1f24">${brand.productName}</span>`;
  const paragraph = (text: string) => html`<p style="margin:0 0 16px">${text}</p>`;
  return html`<!doctype html>
<html lang="${parts.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${parts.subject}</title></head>
<body style="margin:0;padding:0;background:#f5f6f8">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f6f8"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border:1px solid #d9dde3;border-radius:12px">
<tr><td style="padding:28px 28px 8px;font-family:${new SafeHtml(font)}">${header}</td></tr>
<tr><td style="padding:8px 28px 20px;font-family:${new SafeHtml(font)};font-size:16px;line-height:1.5;color:#1b1f24">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3">${parts.heading}</h1>
${parts.intro.map(paragraph)}
${parts.code ? html`<p style="margin:8px 0 0;font-size:14px;color:${muted}">${parts.code.label}</p>
<p style="margin:4px 0 24px;font-size:32px;font-weight:700;letter-spacing:8px;font-family:Menlo,Consolas,monospace">${parts.code.value}</p>` : ''}
${action ? html`<p style="margin:8px 0 24px"><a href="${action.url}" style="display:inline-block;background:${accent};color:${textColorOn(accent)};padding:12px 22px;border-radius:8px;text-decoration:none;font-weight:600">${action.label}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:${muted}">${action.fallback}<br><a href="${action.url}" style="color:${accent};word-break:break-all">${action.url}</a></p>` : ''}
${parts.outro.map(paragraph)}
</td></tr>
</table>
<p style="margin:16px 0 0;max-width:520px;font-family:${new SafeHtml(font)};font-size:12px;line-height:1.5;color:${muted}">${parts.footer}</p>
</td></tr></table>
</body>
</html>
`.value;
}

function textPart(parts: EmailParts): string {
  const blocks = [
    parts.brand.productName,
    parts.heading,
    ...parts.intro,
    ...(parts.code ? [`${parts.code.label}\n${parts.code.value}`] : []),
    ...(parts.action ? [`${parts.action.label}:\n${parts.action.url}`] : []),
    ...parts.outro,
    `-- \n${parts.footer}`,
  ];
  return `${blocks.join('\n\n')}\n`;
}

/** The message's two parts: HTML for mail clients that show it, plain text for the others. */
export function renderEmail(parts: EmailParts): ComposedEmail {
  return { subject: parts.subject, text: textPart(parts), html: htmlPart(parts) };
}
