import { parseArgs } from 'node:util';

/**
 * `layerlab class …`: an instructor's commands against a running server, over its HTTP API (the
 * same one the dashboard uses). The secret comes from --secret or LAYERLAB_CLASS_SECRET, and goes
 * as a bearer; every request names the server's own origin, as its pages do.
 */

export const CLASS_USAGE = `Usage:
  layerlab class create NAME                       Create a class; prints its code, join link and instructor secret
  layerlab class export CODE [--format csv|json] [--table checks|commands]
                                                   Write the class's results (or its command history) to stdout
  layerlab class close CODE                        Close the class: its sessions end, its results stay

Options:
  --server URL     The running Layerlab server (default: LAYERLAB_URL, else http://127.0.0.1:$PORT or 4321)
  --secret SECRET  The class's instructor secret (default: LAYERLAB_CLASS_SECRET)
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

export async function runClassCommand(args: string[], io: Io = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { server: { type: 'string' }, secret: { type: 'string' }, format: { type: 'string' }, table: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.err(`layerlab class: ${(error as Error).message}\n\n${CLASS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, subject, ...extra] = positionals;
  if (values.help || action === undefined) {
    (values.help ? io.out : io.err)(CLASS_USAGE);
    return values.help ? 0 : 2;
  }
  const usage = (sentence: string) => {
    io.err(`layerlab class: ${sentence}\n\n${CLASS_USAGE}`);
    return 2;
  };
  if (!['create', 'export', 'close'].includes(action)) return usage(`there is no class command "${action}"; it is create, export or close`);
  if (subject === undefined) return usage(action === 'create' ? 'create needs the class name: layerlab class create "Docker 101"' : `${action} needs the class code: layerlab class ${action} K7QM2P`);
  if (extra.length > 0) return usage(`unexpected ${extra.map((word) => `"${word}"`).join(' ')}${action === 'create' ? '; put a name with spaces in quotes' : ''}`);

  let base: URL;
  const server = values.server ?? env.LAYERLAB_URL ?? `http://127.0.0.1:${env.PORT ?? '4321'}`;
  try {
    base = new URL(server);
  } catch {
    return usage(`--server "${server}" is not a URL like http://127.0.0.1:4321`);
  }
  const secret = values.secret ?? env.LAYERLAB_CLASS_SECRET;

  const call = async (method: string, path: string, body?: unknown, withSecret = true): Promise<Response | undefined> => {
    if (withSecret && !secret) {
      io.err('layerlab class: this needs the class\'s instructor secret: pass --secret or set LAYERLAB_CLASS_SECRET\n');
      return undefined;
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          origin: base.origin,
          ...(withSecret ? { authorization: `Bearer ${secret}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      io.err(`layerlab class: could not reach the server at ${base.origin}: ${(error as Error).cause ?? (error as Error).message}\n`);
      return undefined;
    }
    if (!response.ok) {
      const detail = ((await response.json().catch(() => ({}))) as { error?: string }).error ?? response.statusText;
      io.err(`layerlab class: the server at ${base.origin} answered ${response.status}: ${detail}\n`);
      return undefined;
    }
    return response;
  };

  if (action === 'create') {
    const response = await call('POST', '/api/classes', { name: subject }, false);
    if (!response) return 1;
    const created = (await response.json()) as { code: string; name: string; instructorSecret: string; joinPath: string; dashboardPath: string };
    io.out(
      [
        `Class "${created.name}" created.`,
        `  Code:              ${created.code}`,
        `  Join link:         ${new URL(created.joinPath, base)}`,
        `  Dashboard:         ${new URL(created.dashboardPath, base)}`,
        `  Instructor secret: ${created.instructorSecret}`,
        '',
        'Save the secret now: it is shown once, and every instructor page and command needs it',
        `(export LAYERLAB_CLASS_SECRET=${created.instructorSecret}).`,
        '',
      ].join('\n'),
    );
    return 0;
  }

  const code = encodeURIComponent(subject.trim().toUpperCase());
  if (action === 'close') {
    const response = await call('POST', `/api/classes/${code}/close`);
    if (!response) return 1;
    const { closedAt } = (await response.json()) as { closedAt: string };
    io.out(`Class ${decodeURIComponent(code)} closed at ${closedAt}; its sessions have ended and its results are kept.\n`);
    return 0;
  }

  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') return usage(`--format is csv or json, not "${format}"`);
  const table = values.table ?? 'checks';
  if (table !== 'checks' && table !== 'commands') return usage(`--table is checks or commands, not "${table}"`);
  if (format === 'json' && values.table !== undefined) return usage('--table is for --format csv; the JSON holds both tables');
  const path = format === 'json' ? `/api/classes/${code}/export.json` : `/api/classes/${code}/export.csv${table === 'commands' ? '?table=commands' : ''}`;
  const response = await call('GET', path);
  if (!response) return 1;
  const text = await response.text();
  io.out(format === 'json' ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
  return 0;
}
