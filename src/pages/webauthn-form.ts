import { html, type SafeHtml } from './html.ts';

/**
 * A form whose button runs a WebAuthn ceremony (src/pages/page-scripts.ts) and posts the credential back with the
 * CSRF token. Its page must load `webauthnScripts` and be sent with scripts allowed.
 */
export interface WebauthnForm {
  ceremony: 'register' | 'authenticate';
  action: string;
  csrf: string;
  /** The WebAuthn options (creation or request options, as JSON), with the challenge the server kept. */
  options: unknown;
  button: string;
  /** Shown when the browser cancels or cannot do it. */
  failed: string;
  secondary?: boolean;
  /** Extra fields (a passkey's name). */
  fields?: SafeHtml;
}

export function webauthnForm(form: WebauthnForm): SafeHtml {
  return html`<form method="post" action="${form.action}" data-webauthn="${form.ceremony}" data-options="${JSON.stringify(form.options)}">
  <input type="hidden" name="csrf" value="${form.csrf}">
  <input type="hidden" name="credential" value="">
  ${form.fields}
  <p class="error" role="alert" data-webauthn-error hidden>${form.failed}</p>
  <button type="submit"${form.secondary ? html` class="secondary"` : ''}>${form.button}</button>
</form>`;
}
