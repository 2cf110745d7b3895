// Parses "a + b" expressions.
export function parse(text) {
  return text.split('+').map((part) => Number(part.trim()));
}
