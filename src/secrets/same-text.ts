import { timingSafeEqual } from 'node:crypto';

/**
 * Whether a presented secret (a MAC, a code) is the expected one, compared in constant time. Only the length can
 * differ quickly, and it tells nothing: every value of a kind has the same length.
 */
export function sameText(presented: string, expected: string): boolean {
  const left = Buffer.from(presented);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}
