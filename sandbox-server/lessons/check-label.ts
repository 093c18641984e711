/** How a check is named in a sentence: `checks[2] ("web-answers")`, by its id, else its title. */
export function checkLabel(check: { id?: unknown; title?: unknown } | undefined, index: number): string {
  const name = typeof check?.id === 'string' ? check.id : typeof check?.title === 'string' ? check.title.slice(0, 60) : undefined;
  return name === undefined ? `checks[${index}]` : `checks[${index}] ("${name}")`;
}
