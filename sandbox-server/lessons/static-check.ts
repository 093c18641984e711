import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseModule, parseExpression } from '@babel/parser';
import type { Expression, PrivateName } from '@babel/types';
import { mdxToJs, mdxToMdast, type MdastNode } from 'satteri';
import { quizPropsProblem, QUIZ_PROPS } from './quiz-props.ts';
import type { WorkspaceCaps } from '../sessions/workspace.ts';
import { didYouMean } from '../format/schema-sentences.ts';
import { catalogueProblems } from './catalogue-needs.ts';
import { LessonError, lessonFolderNames, readLessonFolder, type LessonFolder } from './folder.ts';
import { duplicateOrders, lessonFromFolder, splitFrontmatter, type Lesson } from './library.ts';
import { portProblems } from './ports.ts';

/**
 * The static pass of `layerlab lessons check`: everything about a lesson that can be proven
 * without an engine, in about a second for the whole course. Its frontmatter against the schema,
 * its page compiled with the MDX compiler Astro's MDX integration uses (satteri), its imports
 * resolved, its quizzes' props, unique orders and check ids, each check's port against what the
 * solution publishes, and its images against the catalogue. Every problem is a sentence that
 * starts with the file (and the line, where there is one).
 */

export interface StaticVerdict {
  /** The lessons that loaded, in course order (those with problems in their page included). */
  lessons: Lesson[];
  /** Sentences, each starting with the file; empty when the course passes. */
  problems: string[];
}

const shown = (file: string) => path.relative(process.cwd(), file) || '.';

/** Checks every lesson in a lessons folder, collecting every problem rather than stopping at the first. */
export async function checkCourseStatically(directory: string, caps: WorkspaceCaps, ids?: readonly string[]): Promise<StaticVerdict> {
  const problems: string[] = [];
  const lessons: Lesson[] = [];
  let names: string[];
  try {
    names = lessonFolderNames(directory);
  } catch (error) {
    if (error instanceof LessonError) return { lessons, problems: [error.message] };
    throw error;
  }
  for (const name of names) {
    const folder = path.join(directory, name);
    if (!ids || ids.length === 0 || ids.includes(name)) {
      const verdict = await checkLessonStatically(folder, caps);
      if (verdict.lesson) lessons.push(verdict.lesson);
      problems.push(...verdict.problems);
      continue;
    }
    // A lesson not asked about is read only for its order (and the ids it is checked against).
    try {
      lessons.push(lessonFromFolder(readLessonFolder(folder, caps)));
    } catch (error) {
      if (!(error instanceof LessonError)) throw error;
    }
  }
  problems.push(...duplicateOrders(lessons));
  lessons.sort((a, b) => a.frontmatter.order - b.frontmatter.order);
  return { lessons, problems };
}

/** Checks one lesson folder; the lesson is there when its frontmatter and folder are sound. */
export async function checkLessonStatically(folder: string, caps: WorkspaceCaps): Promise<{ lesson?: Lesson; problems: string[] }> {
  let read: LessonFolder;
  try {
    read = readLessonFolder(folder, caps);
  } catch (error) {
    if (error instanceof LessonError) return { problems: [error.message] };
    throw error;
  }
  const problems = await pageProblems(read.file, read.text);
  let lesson: Lesson | undefined;
  try {
    lesson = lessonFromFolder(read);
  } catch (error) {
    if (!(error instanceof LessonError)) throw error;
    problems.unshift(error.message);
  }
  if (lesson) {
    const file = shown(lesson.file);
    problems.push(...portProblems(lesson).map((problem) => `${file}: ${problem}`));
    problems.push(...catalogueProblems(lesson).map((problem) => `${file}: ${problem}`));
  }
  return { lesson, problems: dedupe(problems) };
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines.flatMap((line) => line.split('\n')))];
}

/** What is wrong with the page itself: MDX that does not compile, imports that do not resolve, a quiz's props. */
export async function pageProblems(file: string, text: string): Promise<string[]> {
  const where = shown(file);
  let body: string;
  let bodyLine: number;
  try {
    ({ body, bodyLine } = splitFrontmatter(text, where));
  } catch (error) {
    // The frontmatter's own sentence comes from the schema pass.
    if (error instanceof LessonError) return [];
    throw error;
  }
  const at = (line: number | undefined) => (line === undefined ? where : `${where}:${line + bodyLine - 1}`);
  try {
    await mdxToJs(body);
  } catch (error) {
    return [compileSentence(error as Error, at)];
  }
  const tree = mdxToMdast(body);
  const problems: string[] = [];
  visit(tree, (node) => {
    if (node.type === 'mdxjsEsm') problems.push(...importProblems(file, String((node as { value?: unknown }).value ?? ''), node.position?.start.line ?? 1, at));
    if ((node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') && (node as { name?: unknown }).name === 'Quiz') {
      const problem = quizProblem(node);
      if (problem) problems.push(`${at(node.position?.start.line)}: ${problem}`);
    }
  });
  return problems;
}

/** satteri's "3:6: Unexpected … (mdx-jsx:unexpected-character)" as `file:line: the page does not compile: …`. */
function compileSentence(error: Error, at: (line: number | undefined) => string): string {
  const [first = ''] = error.message.split('\n');
  const match = /^(\d{1,7}):(\d{1,7}): (.*)$/.exec(first);
  const message = (match ? match[3]! : first).replace(/ \([\w-]+:[\w-]+\)$/, '').replace(/ \(\d+:\d+\)$/, '');
  const hint = /expression|brace/i.test(message) ? ' (a { in prose starts a JavaScript expression; write \\{ or put it in `code`)' : '';
  return `${at(match ? Number(match[1]) : undefined)}: the page does not compile as MDX: ${message}${hint}`;
}

function visit(node: MdastNode, each: (node: MdastNode) => void): void {
  each(node);
  for (const child of ((node as { children?: MdastNode[] }).children ?? [])) visit(child, each);
}

/** Each import in an ESM block whose file (or package) does not resolve from the lesson's folder. */
function importProblems(file: string, code: string, line: number, at: (line: number | undefined) => string): string[] {
  let program;
  try {
    program = parseModule(code, { sourceType: 'module', plugins: ['typescript'] });
  } catch (error) {
    return [`${at(line)}: the import does not parse: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  for (const statement of program.program.body) {
    const source = 'source' in statement && statement.source && 'value' in statement.source ? String(statement.source.value) : undefined;
    if (source === undefined || resolves(path.dirname(file), source)) continue;
    problems.push(`${at(line + (statement.loc?.start.line ?? 1) - 1)}: imports "${source}", which does not resolve from ${shown(path.dirname(file))}/`);
  }
  return problems;
}

const EXTENSIONS = ['', '.ts', '.js', '.mjs', '.astro', '.mdx', '.md', '.json', '/index.ts', '/index.js'];

function resolves(folder: string, source: string): boolean {
  if (source.startsWith('astro:') || source.startsWith('node:')) return true;
  if (source.startsWith('.') || source.startsWith('/')) {
    const base = path.resolve(folder, source);
    return EXTENSIONS.some((extension) => existsSync(base + extension) && (extension === '' ? statSync(base).isFile() : true));
  }
  const name = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0]!;
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules', name, 'package.json'))) return true;
    if (path.dirname(at) === at) return existsSync(path.join(process.cwd(), 'node_modules', name, 'package.json'));
  }
}

const UNKNOWN = Symbol('not a literal');

/** A JSX attribute's value, when it is a literal the page would see as is. */
function literal(value: unknown): unknown {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value;
  const expression = (value as { value?: unknown }).value;
  if (typeof expression !== 'string') return UNKNOWN;
  try {
    return evaluate(parseExpression(expression));
  } catch {
    return UNKNOWN;
  }
}

function evaluate(node: Expression | PrivateName): unknown {
  switch (node.type) {
    case 'StringLiteral':
    case 'NumericLiteral':
    case 'BooleanLiteral':
      return node.value;
    case 'NullLiteral':
      return null;
    case 'TemplateLiteral':
      return node.expressions.length === 0 ? node.quasis.map((quasi) => quasi.value.cooked ?? '').join('') : UNKNOWN;
    case 'UnaryExpression': {
      const argument = evaluate(node.argument);
      return node.operator === '-' && typeof argument === 'number' ? -argument : UNKNOWN;
    }
    case 'ArrayExpression': {
      const items = node.elements.map((element) => (element && element.type !== 'SpreadElement' ? evaluate(element) : UNKNOWN));
      return items.includes(UNKNOWN) ? UNKNOWN : items;
    }
    default:
      return UNKNOWN;
  }
}

/** What is wrong with one <Quiz>'s props, with the question it is about, read from the page without running it. */
function quizProblem(node: MdastNode): string | undefined {
  const props: Record<string, unknown> = {};
  for (const attribute of ((node as { attributes?: { type: string; name?: string; value?: unknown }[] }).attributes ?? [])) {
    if (attribute.type !== 'mdxJsxAttribute' || !attribute.name) return undefined;
    props[attribute.name] = literal(attribute.value);
  }
  const label = String(typeof props.question === 'string' ? props.question : typeof props.predict === 'string' ? props.predict : '').slice(0, 60);
  const name = `<Quiz> "${label}"`;
  for (const key of Object.keys(props)) {
    if (!(QUIZ_PROPS as readonly string[]).includes(key)) return `${name}: "${key}" is not a prop of Quiz${didYouMean(key, QUIZ_PROPS)} (props: ${QUIZ_PROPS.join(', ')})`;
  }
  if (Object.values(props).includes(UNKNOWN)) return undefined;
  const problem = quizPropsProblem(props);
  return problem && `${name}: ${problem}`;
}
