import { emailTranslator } from './email-i18n.ts';
import { renderEmail, type ComposedEmail, type EmailBrand } from './email-layout.ts';

/** The messages Sesame sends, each in the reader's language and the sign-in experience's look. */

export interface Letterhead {
  locale: string;
  brand: EmailBrand;
  /** The account the message is about, as its owner knows it. */
  username: string;
}

function start({ locale, brand, username }: Letterhead) {
  const t = emailTranslator(locale);
  const product = brand.productName;
  return { t, product, common: { locale, brand, footer: t('common.footer', { product, username }) } };
}

export function passwordResetEmail(head: Letterhead, { link, minutes }: { link: string; minutes: number }): ComposedEmail {
  const { t, product, common } = start(head);
  return renderEmail({
    ...common,
    subject: t('passwordReset.subject', { product }),
    heading: t('passwordReset.heading'),
    intro: [t('passwordReset.intro', { product, username: head.username })],
    action: { label: t('passwordReset.action'), url: link, fallback: t('common.linkFallback') },
    outro: [t('passwordReset.expiry', { minutes: String(minutes) }), t('passwordReset.ignore')],
  });
}

export function verificationEmail(head: Letterhead, { email, code, link, hours }: { email: string; code: string; link: string; hours: number }): ComposedEmail {
  const { t, product, common } = start(head);
  return renderEmail({
    ...common,
    subject: t('verification.subject', { product }),
    heading: t('verification.heading'),
    intro: [t('verification.intro', { email, product, username: head.username })],
    code: { label: t('verification.code'), value: code },
    action: { label: t('verification.action'), url: link, fallback: t('common.linkFallback') },
    outro: [t('verification.expiry', { hours: String(hours) }), t('verification.ignore')],
  });
}

export function emailChangedEmail(head: Letterhead, change: { from: string; to: string }): ComposedEmail {
  const { t, product, common } = start(head);
  return renderEmail({
    ...common,
    subject: t('emailChanged.subject', { product }),
    heading: t('emailChanged.heading'),
    intro: [t('emailChanged.text', { product, username: head.username, old: change.from, new: change.to })],
    outro: [t('emailChanged.notYou')],
  });
}

export function passwordChangedEmail(head: Letterhead): ComposedEmail {
  const { t, product, common } = start(head);
  return renderEmail({
    ...common,
    subject: t('passwordChanged.subject', { product }),
    heading: t('passwordChanged.heading'),
    intro: [t('passwordChanged.text', { product, username: head.username })],
    outro: [t('passwordChanged.notYou')],
  });
}

/** A person's first consent to a third-party app (issue 15 §3): what it may do, and where to revoke it. */
export function appConnectedEmail(head: Letterhead, { app, permissions, link }: { app: string; permissions: string[]; link: string }): ComposedEmail {
  const { t, product, common } = start(head);
  return renderEmail({
    ...common,
    subject: t('appConnected.subject', { product }),
    heading: t('appConnected.heading'),
    intro: [t('appConnected.text', { app, product, username: head.username, permissions: permissions.join(', ') })],
    action: { label: t('appConnected.action'), url: link, fallback: t('common.linkFallback') },
    outro: [t('appConnected.notYou', { app })],
  });
}
