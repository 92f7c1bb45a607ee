import Bowser from 'bowser';

/** A device as a person recognises it: "Firefox on Windows", a phone or a computer. */
export interface Device {
  browser: string | null;
  os: string | null;
  kind: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'unknown';
}

const kinds = new Set<Device['kind']>(['desktop', 'mobile', 'tablet', 'tv']);

/** Reads a User-Agent header (bowser); what it cannot tell stays null, and nothing of the raw header is shown. */
export function describeDevice(userAgent: string | null): Device {
  if (!userAgent) return { browser: null, os: null, kind: 'unknown' };
  const parser = Bowser.getParser(userAgent);
  const browser = parser.getBrowserName() || null;
  const os = parser.getOSName() || null;
  const platform = parser.getPlatformType() as Device['kind'];
  return { browser, os, kind: kinds.has(platform) ? platform : 'unknown' };
}
