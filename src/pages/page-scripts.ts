import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The only scripts Sesame's pages run: @simplewebauthn/browser's bundle, and the few lines that hand a form's
 * WebAuthn options to it and post the answer back with the form (no fetch: the form carries its CSRF token, and
 * the page policy needs no connect-src). Served under /assets/ by content-hashed names, each page that uses them
 * allowing exactly that path, and each tag carrying the file's integrity hash.
 */
const bundle = readFileSync(fileURLToPath(new URL('../dist/bundle/index.umd.min.js', import.meta.resolve('@simplewebauthn/browser'))), 'utf8');

/**
 * A form `data-webauthn="register|authenticate"` with its options in `data-options`: submitting it runs the
 * ceremony, puts the credential's JSON in its `credential` field and submits it for real. A failure (cancelled,
 * no passkey, no WebAuthn) shows the form's hidden `[data-webauthn-error]` message instead.
 */
const forms = `(() => {
  const { startAuthentication, startRegistration, browserSupportsWebAuthn } = window.SimpleWebAuthnBrowser;
  for (const form of document.querySelectorAll('form[data-webauthn]')) {
    const error = form.querySelector('[data-webauthn-error]');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (error) error.hidden = true;
      try {
        if (!browserSupportsWebAuthn()) throw new Error('WebAuthn is not available');
        const optionsJSON = JSON.parse(form.dataset.options);
        const credential = form.dataset.webauthn === 'register'
          ? await startRegistration({ optionsJSON })
          : await startAuthentication({ optionsJSON });
        form.elements.namedItem('credential').value = JSON.stringify(credential);
        form.submit();
      } catch (cause) {
        if (error) error.hidden = false;
        console.info('passkey ceremony did not complete:', cause && cause.name);
      }
    });
  }
})();
`;

const digest = (text: string, alg: 'sha256' | 'sha384') => createHash(alg).update(text).digest();

function asset(name: string, body: string) {
  const path = `/assets/${name}.${digest(body, 'sha256').toString('hex').slice(0, 12)}.js`;
  return { path, body, integrity: `sha384-${digest(body, 'sha384').toString('base64')}` };
}

export interface PageScript {
  path: string;
  body: string;
  integrity: string;
}

/** The scripts a page with WebAuthn forms loads, in order. */
export const webauthnScripts: PageScript[] = [asset('simplewebauthn-browser', bundle), asset('webauthn-forms', forms)];

export const pageScriptsByPath = new Map(webauthnScripts.map((script) => [script.path, script]));

/** They change only with a new Sesame version, under a new name. */
export const pageScriptCacheControl = 'public, max-age=31536000, immutable';
