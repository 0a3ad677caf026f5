/**
 * A minimal HTML page for browsers: the state as indented JSON, with vpc-router's `_href` links as
 * anchors (as vpc-router's `as_html` did). Every piece of data is escaped; the page has no script
 * and no style, so the server can send it with `Content-Security-Policy: default-src 'none'`.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and quoted attribute values (OWASP XSS prevention rule 1
 * and 2: `& < > " '`).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const INDENT = "    ";

/**
 * The page for `value` (any JSON-serialisable value; it is normalised through `JSON.stringify`, so
 * `undefined` members vanish as in the JSON representations).
 * @param title shown in the title and heading (escaped).
 * @returns a complete UTF-8 HTML document.
 */
export function renderStateHtml(value: unknown, title = "vpcrouter state"): string {
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? "null");
  const safeTitle = escapeHtml(title);
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${safeTitle}</title></head>`,
    `<body><h3>${safeTitle}</h3><hr>${renderStatePre(plain)}</body>`,
    "</html>",
    "",
  ].join("\n");
}

/** `value` formatted like `JSON.stringify(value, null, 4)`, HTML-escaped, `_href` values as links. */
function renderValue(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + INDENT;
    const items = value.map((item) => inner + renderValue(item, inner));
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const inner = indent + INDENT;
    const members = entries.map(
      ([key, member]) => `${inner}${escapeHtml(JSON.stringify(key))}: ${renderMember(key, member, inner)}`,
    );
    return `{\n${members.join(",\n")}\n${indent}}`;
  }
  return escapeHtml(JSON.stringify(value));
}

function renderMember(key: string, member: unknown, indent: string): string {
  if (key === "_href" && typeof member === "string" && isLocalPath(member)) {
    const href = escapeHtml(member);
    return `"<a href="${href}">${href}</a>"`;
  }
  return renderValue(member, indent);
}

/** Only same-origin absolute paths become links (no scheme, no `//host`). */
function isLocalPath(path: string): boolean {
  return /^\/(?![/\\])[A-Za-z0-9_\-./]*$/.test(path);
}

/**
 * The state `value` as an indented, escaped `<pre>` block with `_href` links as anchors (the body
 * of {@link renderStateHtml}; the status page embeds it too).
 */
export function renderStatePre(value: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? "null");
  return `<pre>${renderValue(plain, "")}</pre>`;
}
