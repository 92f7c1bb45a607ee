import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A small history router for the console's few pages; paths are given without the /console base. */

const base = import.meta.env.BASE_URL.replace(/\/$/, '');
const listeners = new Set<() => void>();
let blocker: (() => boolean) | undefined;

function notify() {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

/** The current path below /console, like `/applications/abc/settings`. */
export function currentPath(): string {
  const path = window.location.pathname.startsWith(base) ? window.location.pathname.slice(base.length) : window.location.pathname;
  return path || '/';
}

export function href(path: string): string {
  return `${base}${path}`;
}

export interface NavigateOptions { replace?: boolean; state?: unknown; force?: boolean }

/** Goes to `path`, unless a page with unsaved changes asks to stay. */
export function navigate(path: string, options: NavigateOptions = {}): void {
  if (!options.force && blocker && !blocker()) return;
  const url = href(path);
  if (options.replace) window.history.replaceState(options.state ?? null, '', url);
  else window.history.pushState(options.state ?? null, '', url);
  window.scrollTo(0, 0);
  notify();
}

export function usePath(): string {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, () => window.location.pathname + window.location.search);
}

export function useQueryParam(name: string): string | null {
  usePath();
  return new URLSearchParams(window.location.search).get(name);
}

/** Matches `/applications/:id/:tab?` style patterns; returns the params or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('?')[0]!.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < Math.max(p.length, s.length); i++) {
    const part = p[i];
    if (part === undefined) return undefined;
    const optional = part.endsWith('?');
    const name = part.replace(/^:/, '').replace(/\?$/, '');
    const value = s[i];
    if (value === undefined) {
      if (optional) continue;
      return undefined;
    }
    if (part.startsWith(':')) params[name] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}

/** While `dirty`, leaving the page (in the console or the browser) asks first. */
export function useUnsavedChangesGuard(dirty: boolean, message = 'You have unsaved changes. Leave this page and discard them?'): void {
  useEffect(() => {
    if (!dirty) return;
    const check = () => window.confirm(message);
    blocker = check;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      if (blocker === check) blocker = undefined;
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty, message]);
}

/** An in-console link: a real <a href> (open in a new tab works) that navigates without reloading. */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return (
    <a
      {...rest}
      href={href(to)}
      onClick={(event: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    />
  );
}
