import { serverConfigFromEnv } from '../config/server.ts';
import { ensureEngine } from '../engine/provision.ts';
import { catalogueStatus, type CatalogueImageStatus } from '../images/catalogue-status.ts';
import { catalogue, primaryReference } from '../images/catalogue.ts';
import { ensureCatalogue } from '../images/ensure.ts';
import { humanSize } from '../format/units.ts';

const STATE_SHOWN: Record<CatalogueImageStatus['state'], string> = {
  missing: 'no',
  current: 'yes',
  pulled: 'yes',
  stale: 'stale (recipe changed)',
  foreign: 'no (another image has the name)',
};

/** `layerlab images`: the catalogue, with each image's size, source and whether it is present. */
export async function listCatalogue(): Promise<number> {
  const config = serverConfigFromEnv();
  const docker = await ensureEngine({ logDir: config.logDir, log: (line) => console.error(line) });
  console.log(catalogueTable(await catalogueStatus(docker)));
  return 0;
}

/**
 * `layerlab images build [NAME…] [--all]`: makes images present, pulling or building stand-ins.
 * No names: those prepared at start (as `npm start` does); `--all`: every entry.
 */
export async function buildCatalogue(options: { names: string[]; all: boolean; force: boolean; pull: boolean }): Promise<number> {
  const config = serverConfigFromEnv();
  const say = (line: string) => console.log(line);
  const docker = await ensureEngine({ logDir: config.logDir, log: say });
  const only = options.all ? catalogue().map(primaryReference) : options.names.length > 0 ? options.names : undefined;
  await ensureCatalogue(docker, { log: say, force: options.force, pull: options.pull, only });
  return 0;
}

/** A table like `docker images` prints: columns padded to their widest cell. */
export function catalogueTable(rows: CatalogueImageStatus[]): string {
  const cells = [
    ['IMAGE', 'ALIASES', 'SIZE', 'PREPARED', 'PRESENT', 'SOURCE'],
    ...rows.map((row) => [
      row.reference,
      row.aliases.join(', ') || '-',
      row.size === undefined || row.state === 'missing' ? '-' : humanSize(row.size, 3),
      row.prepare === 'start' ? 'at start' : 'on first use',
      STATE_SHOWN[row.state],
      `${row.source}${row.version ? ` (${row.version})` : ''}`,
    ]),
  ];
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  return cells.map((line) => line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]! + 3))).join('').trimEnd()).join('\n');
}
