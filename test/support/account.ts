import { expect } from 'vitest';
import type { TestSesame } from './sesame.ts';
import { isSignInPage, parseForm, type UserAgent } from './user-agent.ts';

/** Signs `agent` in to the account page (/account), through the sign-in page when Sesame asks; returns the page. */
export async function signInToAccount(sesame: TestSesame, agent: UserAgent, credentials: { login: string; password: string }): Promise<string> {
  let { response, url } = await agent.follow(`${sesame.url}/account/login`);
  if (url !== `${sesame.url}/account`) {
    const page = await response.text();
    expect(isSignInPage(page), `expected the sign-in page at ${url}`).toBe(true);
    const form = parseForm(page, url);
    ({ response, url } = await agent.follow(form.action, { form: { ...form.fields, login: credentials.login, password: credentials.password } }));
  }
  expect(url).toBe(`${sesame.url}/account`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The hidden fields of the account page's form that posts to `action`. */
export function accountForm(page: string, action: string): Record<string, string> {
  const form = new RegExp(`<form method="post" action="${action.replace(/[/]/g, '\\/')}"[^>]*>([\\s\\S]*?)</form>`).exec(page);
  if (!form) throw new Error(`no form posting to ${action} on the page`);
  return Object.fromEntries([...form[1]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
}

/** The text of a page's alert (its error), or its status notice. */
export const alertOf = (page: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1];
export const noticeOf = (page: string) => /<p class="notice" role="status">([^<]*)<\/p>/.exec(page)?.[1];
