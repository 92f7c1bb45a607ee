import type { Translate } from '../i18n/locale.ts';
import type { AccountSession } from '../sessions/session.service.ts';
import type { Device } from '../sessions/device.ts';
import { html, type SafeHtml } from './html.ts';

/** A device in words: "Firefox on Windows", or what is known of it. */
export function deviceLabel(t: Translate, device: Device): string {
  if (device.browser && device.os) return t('sessions.device', { browser: device.browser, os: device.os });
  return device.browser ?? device.os ?? t('sessions.unknownDevice');
}

/**
 * The account page's "Where you are signed in": each session with its device, when and where from, this browser's
 * marked and first; each other one can be signed out, and all of them at once (after a confirmation).
 */
export function accountSessionsSection({ t, locale, sessions, csrf }: { t: Translate; locale: string; sessions: AccountSession[]; csrf: string }): SafeHtml {
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long', timeZone: 'UTC' });
  const others = sessions.filter((s) => !s.current);
  return html`<section aria-labelledby="sessions">
  <h2 id="sessions">${t('sessions.title')}</h2>
  <p class="muted">${t('sessions.intro')}</p>
  <ul class="sessions">
    ${sessions.map((s) => {
      const device = deviceLabel(t, s.device);
      return html`<li class="session">
      <div class="app-body">
        <h3>${device}${s.current ? html` <span class="badge">${t('sessions.thisDevice')}</span>` : ''}</h3>
        ${s.signedInAt ? html`<p class="muted">${t('sessions.signedIn', { date: when.format(s.signedInAt) })}</p>` : ''}
        ${s.lastActiveAt ? html`<p class="muted">${t('sessions.lastActive', { date: when.format(s.lastActiveAt) })}</p>` : ''}
        ${s.ip ? html`<p class="muted">${t('sessions.from', { ip: s.ip })}</p>` : ''}
        ${s.current ? '' : html`<form method="post" action="/account/sessions/${encodeURIComponent(s.uid)}/end">
          <input type="hidden" name="csrf" value="${csrf}">
          <button type="submit" class="danger" aria-label="${t('sessions.end')}: ${device}">${t('sessions.end')}</button>
        </form>`}
      </div>
    </li>`;
    })}
  </ul>
  ${others.length ? html`<form method="post" action="/account/sessions/end-others">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit" class="secondary">${t('sessions.endOthers')}</button>
  </form>` : ''}
  <p class="alt-action"><a href="/account/sessions/end-all">${t('sessions.everywhere')}</a></p>
</section>`;
}
