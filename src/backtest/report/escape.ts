/**
 * Escaping for the report's HTML: text and attributes, JSON embedded in a `<script>` element, and
 * a script's source inlined as it is.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text or an attribute value made safe for HTML.
 * @internal
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * `value` as JSON that can sit inside `<script type="application/json">`: every `<` (so no
 * `</script>` or `<!--` can close or confuse the element), `>`, `&` and the two JavaScript line
 * separators are written as `\u` escapes, which `JSON.parse` reads back unchanged.
 * @internal
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A script's source made safe to inline in a `<script>` element: `</script` and `<!--` cannot
 * occur in it (written `<\/script` and `<\!--`, the same text inside a JavaScript string, template
 * or regular expression, and unreachable in code).
 * @internal
 */
export function inlineScriptSource(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
