import type { Logger } from 'pino';
import type { ClassDatabase } from './class-database.ts';
import type { ClassEvent } from './event-hub.ts';
import { PostgresEventRelay } from './postgres-events.ts';
import { PostgresClassStorage } from './postgres-storage.ts';
import { SqliteClassStorage } from './sqlite-storage.ts';
import type { ClassStorage } from './storage.ts';

/** The storage LAYERLAB_CLASS_DB names: a SQLite file for one host, a PostgreSQL database for several. */
export function openClassStorage(database: ClassDatabase, log: Logger): ClassStorage {
  return database.kind === 'postgres' ? new PostgresClassStorage(database.url, log) : new SqliteClassStorage(database.file);
}

/**
 * The hub's link to the other hosts, when there can be any: a shared PostgreSQL database carries
 * events both ways; a SQLite file has one host, so none.
 */
export async function startEventRelay(
  database: ClassDatabase,
  receive: (classCode: string, event: ClassEvent) => void,
  log: Logger,
): Promise<PostgresEventRelay | undefined> {
  return database.kind === 'postgres' ? PostgresEventRelay.start(database.url, receive, log) : undefined;
}
