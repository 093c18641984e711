import type { CommandContext } from '../command.ts';
import { LABEL } from '../../scope/namespace.ts';
import type { OwnImage } from '../../scope/scoped-engine.ts';
import type { DockerCommand } from './spec.ts';
import { UsageError } from './spec.ts';

/**
 * `docker inspect` output: the engine's JSON with the namespace scrubbed out and the sandbox's own
 * labels hidden, optionally rendered through a small subset of Go templates: {{.Path.To.Field}},
 * {{json .Field}}, {{index .Map "key"}} and {{range ...}}{{end}} over lists or maps.
 */
export function renderInspect(results: unknown[], format: string | undefined, context: CommandContext): number {
  const cleaned = results.map((result) => cleanForLearner(result, context));
  if (format === undefined) {
    context.io.out(`${JSON.stringify(cleaned, null, 4)}\n`);
    return 0;
  }
  for (const result of cleaned) context.io.out(`${renderTemplate(format, result)}\n`);
  return 0;
}

function cleanForLearner(value: unknown, context: CommandContext): unknown {
  const text = context.engine.namespace.scrub(JSON.stringify(value));
  return JSON.parse(text, (key, inner) => {
    if ((key === 'Labels') && inner && typeof inner === 'object') {
      return Object.fromEntries(
        Object.entries(inner as Record<string, unknown>).filter(([label]) => !Object.values(LABEL).includes(label as never)),
      );
    }
    return inner;
  });
}

/**
 * An image's inspect data with only the learner's own tags. Images are shared on the engine, so the
 * engine's RepoTags also hold the catalogue's tags, the server's keep tags and other sessions' tags.
 */
export function ownImageInspect(info: object, own: OwnImage): object {
  return { ...info, RepoTags: own.tags, RepoDigests: [] };
}

/** Longer --format templates are refused; real ones are a line. */
export const MAX_TEMPLATE_CHARS = 4096;
/** Output or work past these (ranges nested in ranges) stop the template with an error. */
const MAX_TEMPLATE_OUTPUT = 1024 ** 2;
const MAX_TEMPLATE_STEPS = 200_000;

type TemplateToken = { text: string } | { action: string };

/**
 * Splits a Go template into text and `{{ action }}` pieces by scanning, not with a regex, so no
 * template can take more than linear time to read. `{{-` and `-}}` trim markers are dropped.
 */
function tokenizeTemplate(template: string): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf('{{', index);
    if (open < 0) {
      tokens.push({ text: template.slice(index) });
      break;
    }
    if (open > index) tokens.push({ text: template.slice(index, open) });
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new UsageError('template: :1: unclosed action');
    let action = template.slice(open + 2, close);
    if (action.startsWith('-')) action = action.slice(1);
    if (action.endsWith('-')) action = action.slice(0, -1);
    tokens.push({ action: action.trim() });
    index = close + 2;
  }
  return tokens;
}

export function renderTemplate(template: string, data: unknown): string {
  if (template.length > MAX_TEMPLATE_CHARS) {
    throw new UsageError(`template: the format is ${template.length} characters long; at most ${MAX_TEMPLATE_CHARS} are allowed here`);
  }
  const tokens = tokenizeTemplate(template);
  let position = 0;
  let produced = 0;
  let steps = 0;
  const emit = (text: string): string => {
    produced += text.length;
    if (produced > MAX_TEMPLATE_OUTPUT) throw new UsageError('template: the output would be over 1 MiB; narrow the format');
    return text;
  };
  const render = (scope: unknown, stopAtEnd: boolean): string => {
    let output = '';
    while (position < tokens.length) {
      const token = tokens[position++]!;
      if (++steps > MAX_TEMPLATE_STEPS) throw new UsageError('template: the format does too much work; narrow its ranges');
      if ('text' in token) {
        output += emit(token.text);
        continue;
      }
      const { action } = token;
      if (action === 'end') {
        if (stopAtEnd) return output;
        throw new UsageError(`template: unexpected {{end}}`);
      }
      if (action.startsWith('range ')) {
        const collection = evaluate(action.slice(6), scope);
        const start = position;
        const items = Array.isArray(collection)
          ? collection
          : collection && typeof collection === 'object'
            ? Object.values(collection)
            : [];
        if (items.length === 0) {
          render(undefined, true);
        }
        for (const item of items) {
          position = start;
          output += render(item, true);
        }
        continue;
      }
      output += emit(stringify(evaluate(action, scope)));
    }
    if (stopAtEnd) throw new UsageError('template: missing {{end}}');
    return output;
  };
  return render(data, false);
}

function evaluate(expression: string, scope: unknown): unknown {
  const words = expression.match(/"[^"]*"|\S+/g) ?? [];
  const [head, ...rest] = words;
  if (head === 'json') return JSON.stringify(evaluate(rest.join(' '), scope));
  if (head === 'index') {
    const target = evaluate(rest[0] ?? '.', scope);
    const key = (rest[1] ?? '').replace(/^"|"$/g, '');
    return ownField(target, key);
  }
  if (head === 'lower' || head === 'upper') {
    const value = stringify(evaluate(rest.join(' '), scope));
    return head === 'lower' ? value.toLowerCase() : value.toUpperCase();
  }
  if (head?.startsWith('"')) return head.slice(1, -1);
  if (head === '.' || head === undefined) return scope;
  if (!head.startsWith('.')) throw new UsageError(`template: function "${head}" not defined`);
  let value: unknown = scope;
  for (const field of head.slice(1).split('.')) value = ownField(value, field);
  return value;
}

/** A field the inspected JSON really has: `.constructor` or `.__proto__` is no value, as in Go. */
function ownField(value: unknown, field: string): unknown {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, field)) return undefined;
  return (value as Record<string, unknown>)[field];
}

/** Go's fmt for the values inspect returns: maps as map[k:v], lists as [a b], nil as <no value>. */
function stringify(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(stringify).join(' ')}]`;
  if (typeof value === 'object') {
    return `map[${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}:${stringify(v)}`).join(' ')}]`;
  }
  return String(value);
}

const inspect: DockerCommand = {
  path: 'inspect',
  usage: 'docker inspect [OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on Docker objects',
  flags: [
    { long: 'format', short: 'f', kind: 'string', help: 'Format the output using the given Go template' },
    { long: 'type', kind: 'string', help: 'Return JSON for specified type (container, image or volume)' },
  ],
  minArgs: 1,
  async run(flags, context) {
    const { engine, services } = context;
    const type = flags.strings.get('type');
    const results: unknown[] = [];
    for (const name of flags.positionals) {
      if (type === undefined || type === 'container') {
        const container = await engine.findContainer(name);
        if (container) {
          results.push(await services.docker.getContainer(container.id).inspect());
          continue;
        }
      }
      if (type === undefined || type === 'image') {
        const image = await engine.findImage(name).catch(() => undefined);
        if (image) {
          results.push(ownImageInspect(await services.docker.getImage(image.id).inspect(), image));
          continue;
        }
      }
      if (type === undefined || type === 'volume') {
        const volume = await engine.findVolume(name);
        if (volume) {
          results.push(await services.docker.getVolume(volume.internalName).inspect());
          continue;
        }
      }
      throw new UsageError(`Error: No such object: ${name}`);
    }
    return renderInspect(results, flags.strings.get('format'), context);
  },
};

const containerInspect: DockerCommand = {
  ...inspect,
  path: 'container inspect',
  usage: 'docker container inspect [OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  flags: [{ long: 'format', short: 'f', kind: 'string', help: 'Format the output using the given Go template' }],
  async run(flags, context) {
    const results: unknown[] = [];
    for (const name of flags.positionals) {
      const container = await context.engine.findContainer(name);
      if (!container) throw new UsageError(`Error: No such container: ${name}`);
      results.push(await context.services.docker.getContainer(container.id).inspect());
    }
    return renderInspect(results, flags.strings.get('format'), context);
  },
};

export const INSPECT_COMMANDS: DockerCommand[] = [inspect, containerInspect];
