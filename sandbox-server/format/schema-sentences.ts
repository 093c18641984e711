import { z } from 'zod';

/**
 * Zod's issues as the sentences the project shows authors and operators: "is missing",
 * "is not a key here; did you mean "dockerfile"?". Any schema whose input a person writes by
 * hand (a lesson, the image catalogue) can build its objects with `strictObject` and describe a
 * failure with `issueSentence`.
 */

/** Edit distance, bounded by the short words this compares (keys and enum values). */
function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(previous[j]! + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The candidate a typo most likely meant, if one is close enough to suggest. */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const lower = word.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(lower, candidate.toLowerCase());
    if (score <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}

/** `; did you mean "x"?` or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const closest = closestWord(word, candidates);
  return closest ? `; did you mean "${closest}"?` : '';
}

/** A strict object whose unknown keys are named in a sentence that suggests the key meant. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const [key] = issue.keys;
      return `"${key}" is not a key here${didYouMean(key ?? '', known)} (keys: ${known.join(', ')})`;
    },
  });
}

/** One of a few words, refused with the list and a suggestion. */
export function oneOf<const Words extends readonly [string, ...string[]]>(words: Words) {
  return z.enum(words, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `is "${issue.input}", not one of ${words.join(', ')}${didYouMean(issue.input, words)}`
        : `should be one of ${words.join(', ')}`,
  });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

const ARTICLE: Record<string, string> = { array: 'a list', object: 'a mapping', string: 'a string', number: 'a number', boolean: 'true or false' };

/**
 * An issue as the end of a sentence whose start names the place: "is missing", "should be a
 * list, not the string "a"". Parse with `{ reportInput: true }` so type errors can quote the input.
 */
export function issueSentence(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is missing';
    return `should be ${ARTICLE[issue.expected] ?? issue.expected}, not ${typeName(issue.input)}`;
  }
  return issue.message;
}

/** A path as an author writes it: `standIn.probes[0].name`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
