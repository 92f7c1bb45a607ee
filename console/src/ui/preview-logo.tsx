import { useEffect, useState, type ReactNode } from 'react';
import { logoShows } from '../../../src/pages/logo-sources.ts';

/**
 * A logo in a preview of one of Sesame's pages, shown exactly when that page would show it
 * (src/pages/logo-sources.ts): https, or http on a loopback host. Any other address, or one that does not load,
 * gets the page's letter tile and a note saying why, rather than a broken image.
 */
export function usePreviewLogo({ url, letter, tileClass, page }: { url: string; letter: string; tileClass: string; page: string }): { logo: ReactNode; note?: string } {
  const trimmed = url.trim();
  const [failed, setFailed] = useState<string>();
  useEffect(() => setFailed(undefined), [trimmed]);
  const shows = trimmed !== '' && logoShows(trimmed);
  if (shows && failed !== trimmed) {
    return { logo: <img className="cp-logo" src={trimmed} alt="" referrerPolicy="no-referrer" onError={() => setFailed(trimmed)} /> };
  }
  const tile = <span className={`cp-logo ${tileClass}`}>{letter}</span>;
  if (!trimmed) return { logo: tile };
  return {
    logo: tile,
    note: shows
      ? 'This logo did not load: check that the address serves an image.'
      : `The ${page} will not show this logo: use an https address (http only on localhost or 127.0.0.1).`,
  };
}
