import path from 'node:path';

/**
 * Where class data lives: one SQLite file for a single host (the default), or one PostgreSQL
 * database that every host serving the class shares.
 */
export type ClassDatabase = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Anything that starts like a PostgreSQL URL is read as one, so a mistyped URL never becomes a file of that name. */
const POSTGRES_SCHEME = /^postgres(ql)?:/i;
const DATABASE_NAME = /^[^/?#]{1,63}$/;

/**
 * Reads LAYERLAB_CLASS_DB: a `postgres://` or `postgresql://` URL picks PostgreSQL, anything else
 * is the SQLite file's path (`fallbackFile` when unset). The message never repeats the URL, which
 * may hold a password.
 */
export function parseClassDatabase(text: string | undefined, fallbackFile: string): ClassDatabase {
  if (text === undefined) return { kind: 'sqlite', file: path.resolve(fallbackFile) };
  if (!POSTGRES_SCHEME.test(text)) return { kind: 'sqlite', file: path.resolve(text) };
  const problem = (why: string) => new Error(`the PostgreSQL URL ${why}; write it like postgres://layerlab:password@db.example.org:5432/layerlab`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw problem('does not read as a URL');
  }
  if (!/^postgres(ql)?:$/.test(url.protocol) || !text.slice(url.protocol.length).startsWith('//')) throw problem('must start with postgres:// or postgresql://');
  // A host, or a socket folder in ?host=/run/postgresql as libpq allows.
  if (url.hostname === '' && !url.searchParams.get('host')) throw problem('names no host');
  const database = decodeURIComponent(url.pathname.slice(1));
  if (!DATABASE_NAME.test(database)) throw problem('names no database (the path after the host, like /layerlab)');
  return { kind: 'postgres', url: text };
}

/** The database as a log line or an error may show it: host, port and name, never the password. */
export function describeClassDatabase(database: ClassDatabase): string {
  if (database.kind === 'sqlite') return database.file;
  const url = new URL(database.url);
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  return `postgres://${host}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}
