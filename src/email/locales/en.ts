/** English: the reference catalogue of Sesame's emails; every other language has exactly these keys. */
export const en = {
  'common.linkFallback': 'If the button does not work, copy this link into your browser:',
  'common.footer': 'This email was sent by {product} about your account {username}.',
  'passwordReset.subject': 'Reset your {product} password',
  'passwordReset.heading': 'Reset your password',
  'passwordReset.intro': 'Someone asked to reset the password of your {product} account {username}. If it was you, choose a new password with the button below.',
  'passwordReset.action': 'Choose a new password',
  'passwordReset.expiry': 'The link works once, for {minutes} minutes. When you change your password, every session of your account is signed out.',
  'passwordReset.ignore': 'If you did not ask for this, ignore this email: your password stays as it is.',
  'verification.subject': 'Verify your email address for {product}',
  'verification.heading': 'Verify your email address',
  'verification.intro': 'Confirm that {email} is the email address of your {product} account {username}.',
  'verification.code': 'Your code:',
  'verification.action': 'Verify email address',
  'verification.expiry': 'Enter the code on the page that asked for it, or open the link. Both work once, for {hours} hours.',
  'verification.ignore': 'If you did not ask for this, ignore this email: nothing changes.',
  'emailChanged.subject': 'The email address of your {product} account was changed',
  'emailChanged.heading': 'Your email address was changed',
  'emailChanged.text': 'The email address of your {product} account {username} was changed from {old} to {new}. Emails about your account now go to the new address.',
  'emailChanged.notYou': 'If you did not make this change, contact your administrator at once.',
  'passwordChanged.subject': 'Your {product} password was changed',
  'passwordChanged.heading': 'Your password was changed',
  'passwordChanged.text': 'The password of your {product} account {username} was changed, and every session of the account was signed out.',
  'passwordChanged.notYou': 'If you did not make this change, reset your password from the sign-in page at once, or contact your administrator.',
  'appConnected.subject': "A new app was connected to your {product} account",
  'appConnected.heading': "A new app was connected to your account",
  'appConnected.text': "{app} can now use your {product} account {username}. You allowed it: {permissions}.",
  'appConnected.action': "Review connected apps",
  'appConnected.notYou': "If you did not allow this, open your account page and press Revoke access next to {app}, then change your password.",
} as const;

export type EmailMessageKey = keyof typeof en;
export type EmailMessages = Record<EmailMessageKey, string>;
