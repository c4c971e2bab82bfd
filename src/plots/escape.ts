/** Escaping for HTML text, attributes and JSON inside inline scripts. */

/**
 * Escapes text for HTML content or a quoted attribute.
 *
 * @example
 * escapeHtml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON that is safe inside an inline `<script>`: no `<`, `>`, `&` or line separators survive
 * literally, and NaN/Infinity become null (as JSON.stringify does).
 *
 * @example
 * scriptJson({ t: '</script>' }); // '{"t":"\\u003c/script\\u003e"}'
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
