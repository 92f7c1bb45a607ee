/** Every text a person reads on Sesame's pages, by language. English is the reference. */
export const en = {
  'signIn.title': 'Sign in',
  'signIn.subtitle': 'to continue to {app}',
  'signIn.login': 'Username or email',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.failed': 'The username, email or password is incorrect.',
  'signIn.suspended': 'This account is suspended. Contact your administrator.',
  'signIn.missing': 'Enter your username or email and your password.',
  'error.title': 'Something went wrong',
  'error.expired': 'This sign-in page has expired or was already used. Go back to the app and start again.',
  'error.generic': 'The request could not be completed. Go back to the app and try again.',
  'error.badRequest': 'The app sent a request that Sesame cannot accept.',
  'error.forbidden': 'This form is no longer valid. Go back to the app and start again.',
  'error.notFound': 'This page does not exist.',
  'error.code': 'Error code',
  'logout.title': 'Sign out',
  'logout.question': 'Do you want to sign out of {host}?',
  'logout.confirm': 'Sign out',
  'logout.cancel': 'Stay signed in',
  'logout.done.title': 'Signed out',
  'logout.done.text': 'You are signed out.',
  'logout.done.textApp': 'You are signed out of {app}.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

export const catalogs: Record<string, Messages> = { en };
export const supportedLocales = Object.keys(catalogs);
