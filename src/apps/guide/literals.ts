/**
 * Values written into code: each language's quoted literal, so any value an app holds (a redirect URI, a
 * resource indicator) reads as the one string it is, whatever characters it contains.
 */

const jsEscapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** JavaScript: 'value' */
export function jsString(value: string): string {
  return `'${value.replace(/[\\'\n\r\u2028\u2029]/g, (c) => jsEscapes[c]!)}'`;
}

/** Python: 'value' */
export function pyString(value: string): string {
  return `'${value.replace(/[\\'\n\r]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r' })[c]!)}'`;
}

/** POSIX shell: 'value', a single quote written as '\'' */
export function shellString(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Apache configuration: "value" */
export function apacheString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** Swift: "value" (a backslash also starts interpolation, so escaping it covers that too) */
export function swiftString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;
}

/** Kotlin: "value" ($ starts a template) */
export function kotlinString(value: string): string {
  return `"${value.replace(/[\\"$]/g, '\\$&').replace(/\n/g, '\\n')}"`;
}

/** Gradle (Groovy) single-quoted string: 'value' */
export function groovyString(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}
