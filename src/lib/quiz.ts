/** Build-time helpers for the Quiz component (src/components/Quiz.astro). */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** Plain text with `backticks` as code, the way Markdown shows them; everything else is escaped. */
export function inlineCode(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : escapeHtml(part)))
    .join('');
}

/**
 * A quiz's key in the browser's memory of answers: the author's id, or a short hash of the question,
 * the command and the options, so two questions on one page never share an answer.
 */
export function quizId(id: string | undefined, question: string | undefined, predict: string | undefined, options: string[]): string {
  if (id) return id.replace(/[^\w-]/g, '-');
  let hash = 0x811c9dc5;
  for (const character of [question ?? '', predict ?? '', ...options].join('\u0000')) {
    hash ^= character.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `q${hash.toString(36)}`;
}

/** The props' rules, shared with `layerlab lessons check`, which reads them from the page without building it. */
export { QUIZ_PROPS, quizPropsProblem } from '../../sandbox-server/lessons/quiz-props.ts';
