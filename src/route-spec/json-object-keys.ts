/**
 * Lists the member names of the top-level object of a JSON text, in order and WITH repeats.
 *
 * `JSON.parse` silently keeps only the last of two equal member names (ECMA-404 leaves duplicates
 * undefined; RFC 8259 §4 says names SHOULD be unique), so `{"10.0.0.0/8": [a], "10.0.0.0/8": [b]}`
 * would quietly lose a route. This scanner lets the spec parser see and refuse such duplicates.
 *
 * @param text - a JSON text that `JSON.parse` has already accepted (behaviour on invalid JSON is
 *   unspecified but it never throws).
 * @returns the decoded member names of the top-level object; `[]` when the top level is not an object.
 */
export function topLevelObjectKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      const end = endOfString(text, index);
      if (depth === 1 && nextSignificantChar(text, end) === ":") {
        keys.push(decodeString(text.slice(index, end)));
      }
      index = end;
      continue;
    }
    if (char === "{" || char === "[") depth += 1;
    else if (char === "}" || char === "]") depth -= 1;
    index += 1;
  }
  return keys;
}

/** Index just past the closing quote of the string literal that starts at `start`. */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === "\\") index += 2;
    else if (char === '"') return index + 1;
    else index += 1;
  }
  return text.length;
}

function nextSignificantChar(text: string, from: number): string | undefined {
  for (let index = from; index < text.length; index += 1) {
    const char = text[index];
    if (char !== " " && char !== "\t" && char !== "\n" && char !== "\r") return char;
  }
  return undefined;
}

function decodeString(literal: string): string {
  try {
    const decoded: unknown = JSON.parse(literal);
    return typeof decoded === "string" ? decoded : literal;
  } catch {
    return literal;
  }
}
