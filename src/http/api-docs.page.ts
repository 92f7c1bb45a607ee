import { html, SafeHtml } from '../pages/html.ts';
import { maxRequestDepth, type Route } from './route.ts';
import { openApiPath } from './openapi.ts';

/** Problem codes callers may see, for the reference page (each problem's `type` links to its entry). */
export const problemCodes: Record<string, string> = {
  'request.invalid': 'The request does not fit the schema; `errors` names each field by JSON Pointer, with a sentence that names it by its label and says what is wrong.',
  'request.malformed_json': 'The body is not valid JSON.',
  'request.too_large': 'The body is too large.',
  'request.too_deep': `The body nests objects or arrays more than ${maxRequestDepth} levels deep.`,
  'request.unsupported_media_type': 'The body is not JSON.',
  'request.invalid_cursor': 'The cursor was not returned by this API.',
  'request.not_found': 'No operation at this path.',
  'request.method_not_allowed': 'The path exists but not with this method.',
  'auth.missing_token': 'No Authorization: Bearer header.',
  'auth.invalid_token': 'Not a Management API token of this Sesame (wrong audience, issuer, type or signature).',
  'auth.token_expired': 'The token has expired; get a new one.',
  'auth.signed_out': 'The person signed out of the app the token came from, or its access was revoked; sign in again.',
  'auth.insufficient_scope': 'The token lacks the management scope.',
  'auth.access_withdrawn': 'The app that obtained the token no longer has management access.',
  'auth.not_admin': 'The user the token was issued to is not an active admin.',
  'application.not_found': 'No application with this client id.',
  'application.invalid': 'Settings break a rule (redirect URIs, CORS origins, third-party or m2m rules); `errors` names each.',
  'application.immutable': 'type and third_party are chosen at creation and never change.',
  'application.built_in': 'the account page and console apps are built into Sesame and cannot be changed or deleted.',
  'application.public_client': 'SPA and native apps are public clients and have no secrets.',
  'secret.not_found': 'The app has no secret with this id.',
  'secret.expiry_in_past': 'A new secret must expire in the future.',
  'secret.limit_reached': 'The app already holds the maximum number of secrets.',
  'user.not_found': 'No user with this id.',
  'user.exists': 'The username or email is taken: another account has the same one once compared canonically (width, letter case and compatibility forms folded, as RFC 8265 says).',
  'user.invalid_username': 'The username holds what a name may not: spaces, @, invisible or control characters, bidi controls, symbols; `errors` names `/username`.',
  'user.invalid_email': 'The email holds invisible, bidi or control characters; `errors` names `/email`.',
  'user.last_admin': 'The last active admin cannot be demoted, suspended or deleted.',
  'user.weak_password': 'The password breaks the password rules.',
  'application.not_third_party': 'Branding belongs to third-party apps only; permissions to third-party and m2m apps. First-party interactive apps are consented automatically, their users get resource scopes through roles.',
  'resource.not_found': 'No API resource with this id.',
  'resource.invalid_indicator': 'The indicator is not an absolute URI without fragment or user information (RFC 8707).',
  'resource.reserved_indicator': 'The indicator is the Management API\'s own (`$ISSUER/api`).',
  'resource.indicator_taken': 'An API resource with this indicator exists.',
  'scope.not_found': 'The API resource has no scope with this id.',
  'scope.exists': 'The API resource already has a scope with this name.',
  'scope.invalid_name': 'An OpenID Connect scope name (openid, profile…) or a name listed twice.',
  'scope.unknown': 'A scope id in the body names no API resource scope; `errors` names each.',
  'role.not_found': 'No role with this id.',
  'role.exists': 'A role with this name exists (ignoring case).',
  'role.unknown': 'A role id in the body names no role.',
  'role.scope_not_found': 'The role does not give this scope.',
  'role.not_assigned': 'The user does not hold this role.',
  'user.unknown': 'A user id in the body names no user.',
  'permission.unknown_scope': 'A resource scope reference names no registered scope; `errors` names each.',
  'permission.reserved_scope': 'The Management API\'s scopes are never on an allowlist: a third-party app never gets them, an m2m app through its management access setting.',
  'permission.m2m_user_scope': 'An m2m app acts for no user, so its allowlist holds API resource scopes only; `errors` names each user scope.',
  'permission.not_found': 'The entry is not on the app\'s allowlist.',
  'branding.invalid_url': 'A branding URL is not https (http only on loopback hosts), has user information or a fragment, or is too long.',
  'grant.not_found': 'The user has no grant for this app.',
  'server.error': 'Something failed on the server; it was logged.',
};

const styles = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:960px;padding:24px;color:#1b1f24;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e8eaee;background:#0f1115}code,pre{background:#181b21!important}}
h1{font-size:26px}h2{margin-top:36px;border-bottom:1px solid #8884;padding-bottom:4px}
.op{border:1px solid #8884;border-radius:10px;padding:12px 16px;margin:12px 0}
.method{display:inline-block;min-width:64px;font-weight:700;text-transform:uppercase;font-family:ui-monospace,monospace}
code,pre{font-family:ui-monospace,Menlo,monospace;background:#f3f4f6;border-radius:6px;padding:1px 5px}
pre{padding:10px;overflow:auto;font-size:13px}
details summary{cursor:pointer;color:#6b7280}
dt{font-family:ui-monospace,monospace;font-weight:600;margin-top:8px}dd{margin-left:16px}
`;

/** Backticks in our own descriptions become <code>; everything else is escaped. */
function prose(text: string): SafeHtml {
  return html`${text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : part))}`;
}

/** The human-readable reference of the Management API, server-rendered from the same routes (no scripts, no CDN). */
export function apiDocsPage(routes: Route[], openApi: Record<string, unknown>, issuer: string): { body: string; styles: string } {
  const tags = [...new Set(routes.map((r) => r.tag))];
  const body = html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sesame Management API</title><style>${new SafeHtml(styles)}</style></head>
<body>
<h1>Sesame Management API</h1>
<p>JSON over HTTPS under <code>${issuer}/api</code>. The machine-readable description is <a href="/api/openapi.json">openapi.json</a> (OpenAPI 3.1).</p>
<h2 id="authentication">Authentication</h2>
<p>Every operation needs <code>Authorization: Bearer &lt;token&gt;</code>: an access token this Sesame issued for the resource
<code>${issuer}/api</code> with the scope <code>management</code>. An m2m app that an admin granted management access gets one by client credentials:</p>
<pre>POST ${issuer}/oidc/token
Authorization: Basic base64(client_id:client_secret)
Content-Type: application/x-www-form-urlencoded

grant_type=client_credentials&amp;resource=${issuer}/api&amp;scope=management</pre>
${tags.map((tag) => html`<h2 id="${tag.toLowerCase()}">${tag}</h2>
${routes.filter((r) => r.tag === tag).map((r) => {
  const operation = ((openApi.paths as Record<string, Record<string, unknown>>)[`/api${openApiPath(r.path)}`]?.[r.method] ?? {}) as Record<string, unknown>;
  return html`<div class="op" id="${r.operationId}">
<p><span class="method">${r.method}</span> <code>/api${r.path}</code> — ${r.summary}</p>
${r.description ? html`<p>${prose(r.description)}</p>` : ''}
<details><summary>Request and responses</summary><pre>${JSON.stringify({
    parameters: operation.parameters, requestBody: operation.requestBody, responses: operation.responses,
  }, null, 2)}</pre></details>
</div>`;
})}`)}
<h2 id="problems">Errors</h2>
<p>Errors are RFC 9457 problem details (<code>application/problem+json</code>): <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, a stable <code>code</code>, and <code>errors</code> (JSON Pointer and message per invalid field) when input was wrong.</p>
<dl>${Object.entries(problemCodes).map(([code, text]) => html`<dt id="${code}">${code}</dt><dd>${prose(text)}</dd>`)}</dl>
</body></html>`;
  return { body: body.value, styles };
}
