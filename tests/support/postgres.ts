import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster for one test file: Debian's server binaries, a data folder and
 * socket folder in a temporary folder, a free port on 127.0.0.1, trust authentication (nothing
 * but this machine reaches it), and no fsync (its data dies with it). The system's own cluster is
 * neither needed nor touched.
 */
export interface TestPostgres {
  /** A database made at start. */
  url: string;
  /** Another empty database of the cluster, for a test that needs a fresh one. */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server's binaries (Debian puts them in /usr/lib/postgresql/<major>/bin). */
function binaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => existsSync(path.join(root, name, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); apt-get install -y postgresql');
  return path.join(root, newest, 'bin');
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = binaries();
  const root = mkdtempSync(path.join(os.tmpdir(), 'layerlab-pg-'));
  const data = path.join(root, 'data');
  // initdb refuses to run as root: as root, the cluster is the postgres user's.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
    chownSync(root, uid!, gid!);
  }
  const as = async (tool: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
    try {
      await run(file, argv, { timeout: 60_000 });
    } catch (error) {
      const log = path.join(root, 'server.log');
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${tool} failed: ${(error as { stderr?: string }).stderr || (error as Error).message}\n${tail}`);
    }
  };
  const port = await freePort();
  const stopNow = () => {
    try {
      const args = ['stop', '-D', data, '-m', 'immediate', '-w'];
      execFileSync(asRoot ? 'runuser' : path.join(bin, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), ...args] : args, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Not running (never started, or stopped already).
    }
    rmSync(root, { recursive: true, force: true });
  };
  // A test process that dies without its afterAll still leaves no server running.
  process.once('exit', stopNow);
  try {
    await as('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const settings = [`-p ${port}`, `-k ${root}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
    await as('pg_ctl', ['start', '-D', data, '-l', path.join(root, 'server.log'), '-w', '-t', '60', '-o', settings.join(' ')]);
  } catch (error) {
    process.off('exit', stopNow);
    stopNow();
    throw error;
  }
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let made = 0;
  const newDatabase = async () => {
    const name = `layerlab_${++made}`;
    const client = new pg.Client(urlOf('postgres'));
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return urlOf(name);
  };
  return {
    url: await newDatabase(),
    newDatabase,
    async stop() {
      process.off('exit', stopNow);
      stopNow();
    },
  };
}
