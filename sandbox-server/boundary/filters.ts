/**
 * The list filters the boundary applies itself, read as the engine reads them, because they
 * name objects by the learner's names: a container's name and an image's reference. No learner
 * pattern is ever compiled into a regular expression.
 */

/**
 * The engine's reference filter (`docker images app`, `docker images 'app*'`): a pattern in
 * path.Match's terms against the learner's tag, or against its repository when the pattern has
 * no tag. `*` stops at a slash, as path.Match's does.
 */
export function matchesReference(pattern: string, tag: string): boolean {
  const colon = tag.lastIndexOf(':');
  const repository = tag.slice(0, colon);
  return globMatch(pattern, tag) || (!pattern.includes(':') && globMatch(pattern, repository));
}

/** path.Match for `*` and `?` (a `[` class matches itself literally here), by backtracking on the last star only. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === text[t] || (pattern[p] === '?' && text[t] !== '/'))) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star !== -1 && text[resume] !== '/') {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * The engine reads a name filter as a regular expression over "/name". A learner's pattern is
 * never compiled here: a leading ^ and a trailing $ anchor it, and the rest matches literally,
 * which covers how tutorials use it (`--filter name=web`, `name=^web$`).
 */
export function matchesNameFilter(name: string, pattern: string): boolean {
  const full = `/${name}`;
  const anchoredStart = pattern.startsWith('^');
  const anchoredEnd = pattern.endsWith('$') && pattern.length > (anchoredStart ? 1 : 0);
  let literal = pattern.slice(anchoredStart ? 1 : 0, anchoredEnd ? -1 : undefined);
  if (anchoredStart && literal.startsWith('/')) literal = literal.slice(1);
  if (anchoredStart && anchoredEnd) return name === literal;
  if (anchoredStart) return name.startsWith(literal);
  if (anchoredEnd) return full.endsWith(literal);
  return full.includes(literal);
}
