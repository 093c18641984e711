/**
 * The rules for a Quiz's props (src/components/Quiz.astro), in one place: the component refuses a
 * bad quiz when the page is built, and `layerlab lessons check` finds it statically in the MDX.
 */

/** The props a Quiz takes, by name, for the sentence about one it does not. */
export const QUIZ_PROPS = ['question', 'options', 'answer', 'explanation', 'feedback', 'predict', 'id'] as const;

/** What is wrong with a Quiz's props, as the end of a sentence, or undefined when nothing is; fields left undefined are not known (yet). */
export function quizPropsProblem(props: { question?: unknown; options?: unknown; answer?: unknown; explanation?: unknown; feedback?: unknown; predict?: unknown }): string | undefined {
  const { options, answer, feedback } = props;
  if (!Array.isArray(options) || options.length < 2) return 'give at least two options';
  if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer >= options.length) {
    return `answer must be the index of an option, 0 to ${options.length - 1} (it is ${String(answer)})`;
  }
  if (feedback !== undefined && (!Array.isArray(feedback) || feedback.length !== options.length)) {
    return `feedback needs one sentence per option (${options.length}), not ${Array.isArray(feedback) ? feedback.length : String(feedback)}`;
  }
  if (!props.explanation) return 'give an explanation';
  if (props.question === undefined && props.predict === undefined) return 'give a question (or a predict command)';
  return undefined;
}
