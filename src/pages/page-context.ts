import type { Context } from 'koa';
import { pickLocale, translator, type Translate } from '../i18n/locale.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';
import type { SignInExperience } from '../sign-in-experience/sign-in-experience.service.ts';

export interface PageContext {
  locale: string;
  t: Translate;
  brand: SignInExperience;
}

/**
 * A page's language and the sign-in experience it wears: `ui_locales` when the request carries it, then
 * Accept-Language, then the experience's default language.
 */
export function pageContext(ctx: Pick<Context, 'state' | 'req' | 'get'>, uiLocales?: unknown): PageContext {
  const brand = signInExperienceOf(ctx);
  const locale = pickLocale(typeof uiLocales === 'string' ? uiLocales : undefined, ctx.get('accept-language'), brand.defaultLanguage);
  return { locale, t: translator(locale), brand };
}
