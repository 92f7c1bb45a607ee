import { describe, expect, it } from 'vitest';
import { passwordResetEmail, verificationEmail } from '../src/email/compose.ts';
import { emailCatalogs, emailLocale } from '../src/email/email-i18n.ts';
import { retryDelaySeconds } from '../src/email/email-sender.ts';
import { isPermanentFailure } from '../src/email/smtp.ts';

/** The texts of the emails in every shipped language, and how a message is put together. */

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the email catalogues', () => {
  it('ship the five page languages, each with every text and the same placeholders, translated', () => {
    expect(Object.keys(emailCatalogs).sort()).toEqual(['en', 'fr', 'ja', 'ko', 'ru']);
    const english = emailCatalogs.en!;
    for (const [lang, messages] of Object.entries(emailCatalogs)) {
      expect(Object.keys(messages).sort(), lang).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(messages)) {
        expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders(english[key as keyof typeof english]));
        if (lang !== 'en') expect(text, `${lang} ${key} is translated`).not.toBe(english[key as keyof typeof english]);
      }
    }
  });

  it('write in the language asked for, else the default language, else English', () => {
    expect(emailLocale('ja-JP')).toBe('ja');
    expect(emailLocale('ko_KR')).toBe('ko');
    expect(emailLocale('de-DE', 'fr')).toBe('fr');
    expect(emailLocale(null, 'xx')).toBe('en');
  });
});

describe('a message', () => {
  const hostileBrand = { productName: '<img src=x onerror=alert(1)> "Acme" & Co', logoUrl: 'https://cdn.example.com/logo.png?a=1&b="2"', primaryColor: '#ffeb3b' };

  it('escapes every value in its HTML part, and keeps the text part plain', () => {
    const letter = passwordResetEmail({ locale: 'en', brand: hostileBrand, username: 'o\'brien<script>' }, {
      link: 'https://id.example.com/account/reset-password?token=abc&x="y"', minutes: 30,
    });
    expect(letter.html).not.toContain('<img src=x');
    expect(letter.html).not.toContain('<script>');
    expect(letter.html).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;Acme&quot; &amp; Co');
    expect(letter.html).toContain('href="https://id.example.com/account/reset-password?token=abc&amp;x=&quot;y&quot;"');
    expect(letter.html).toContain('src="https://cdn.example.com/logo.png?a=1&amp;b=&quot;2&quot;"');
    expect(letter.text).toContain('https://id.example.com/account/reset-password?token=abc&x="y"');
    expect(letter.text).toContain('<img src=x onerror=alert(1)> "Acme" & Co');
    expect(letter.subject).toBe('Reset your <img src=x onerror=alert(1)> "Acme" & Co password');
  });

  it('puts the accent on the button with readable text on it', () => {
    const light = verificationEmail({ locale: 'en', brand: { ...hostileBrand, primaryColor: '#ffeb3b' }, username: 'a' }, { email: 'a@example.com', code: '012345', link: 'https://x.example/l', hours: 24 });
    expect(light.html).toContain('background:#ffeb3b;color:#111111');
    const dark = verificationEmail({ locale: 'en', brand: { ...hostileBrand, primaryColor: '#1e3a8a' }, username: 'a' }, { email: 'a@example.com', code: '012345', link: 'https://x.example/l', hours: 24 });
    expect(dark.html).toContain('background:#1e3a8a;color:#ffffff');
    expect(dark.text).toContain('Your code:\n012345\n');
    expect(dark.subject).not.toContain('012345');
  });
});

describe('sending', () => {
  it('waits longer after each failure, up to the longest wait', () => {
    const settings = { retryDelay: 30, maxRetryDelay: 3600, giveUpAfter: 86400 };
    expect([1, 2, 3, 4, 8, 100].map((n) => retryDelaySeconds(settings, n))).toEqual([30, 60, 120, 240, 3600, 3600]);
  });

  it('gives up at once only on a refusal for good', () => {
    expect(isPermanentFailure({ responseCode: 550 })).toBe(true);
    expect(isPermanentFailure({ responseCode: 451 })).toBe(false);
    expect(isPermanentFailure({ responseCode: 535, code: 'EAUTH' })).toBe(false);
    expect(isPermanentFailure({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isPermanentFailure(new Error('boom'))).toBe(false);
  });
});
