import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReadmeTables } from '../../sandbox-server/config/environment-docs.ts';
import { ENVIRONMENT, readEnvironment } from '../../sandbox-server/config/environment.ts';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { serverConfigFromEnv } from '../../sandbox-server/config/server.ts';

describe('the environment schema', () => {
  it("is what README.md's tables say: run npm run docs:env after changing it", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(renderReadmeTables(readme)).toBe(readme);
  });

  it('reads the operator\'s units, and gives the documented defaults when unset or empty', () => {
    const environment = readEnvironment({ LAYERLAB_CONTAINER_MEMORY: '1g', LAYERLAB_SESSION_IDLE_TTL: '90s', LAYERLAB_MAX_SESSIONS: '' });
    expect(environment.LAYERLAB_CONTAINER_MEMORY).toBe(1024 ** 3);
    expect(environment.LAYERLAB_SESSION_IDLE_TTL).toBe(90_000);
    expect(environment.LAYERLAB_MAX_SESSIONS).toBe(200);
    expect(policyFromEnv({}).container.memoryBytes).toBe(256 * 1024 ** 2);
    expect(serverConfigFromEnv({ LAYERLAB_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    // One hop, not "believe everything": a client's own X-Forwarded-For must never pick its address.
    expect(serverConfigFromEnv({ LAYERLAB_TRUST_PROXY: '1' }).trustProxy).toBe(1);
  });

  it('stops on a value it cannot read, with one sentence naming the variable', () => {
    expect(() => policyFromEnv({ LAYERLAB_CONTAINER_MEMORY: 'lots' })).toThrow('LAYERLAB_CONTAINER_MEMORY: "lots" is not a size; write it like 512m, 1g or 1048576');
    expect(() => serverConfigFromEnv({ LAYERLAB_INSTANCE: 'Bad Name' })).toThrow('LAYERLAB_INSTANCE: "Bad Name" must be lowercase letters, digits and dashes, at most 32');
    expect(() => serverConfigFromEnv({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL: "loud" is not a log level: fatal, error, warn, info, debug, trace or silent');
    expect(() => serverConfigFromEnv({ PORT: '70000' })).toThrow('PORT: "70000" is not a port number');
  });

  it('reads LAYERLAB_CLASS_DB as a SQLite path, or as PostgreSQL when it is a postgres:// or postgresql:// URL', () => {
    expect(serverConfigFromEnv({ LAYERLAB_STATE_DIR: '/srv/layerlab' }).classDb).toEqual({ kind: 'sqlite', file: '/srv/layerlab/classes.sqlite' });
    expect(serverConfigFromEnv({ LAYERLAB_CLASS_DB: '/data/classes.sqlite' }).classDb).toEqual({ kind: 'sqlite', file: '/data/classes.sqlite' });
    for (const url of ['postgres://layerlab:pw@db.example.org:5432/layerlab', 'postgresql://db/layerlab?sslmode=require', 'postgres:///layerlab?host=/run/postgresql']) {
      expect(serverConfigFromEnv({ LAYERLAB_CLASS_DB: url }).classDb).toEqual({ kind: 'postgres', url });
    }
  });

  it('stops on a PostgreSQL URL it cannot use, with one line naming the variable and never the password', () => {
    const cases: [string, string][] = [
      ['postgres://layerlab:s3cret@db.example.org:5432', 'names no database (the path after the host, like /layerlab)'],
      ['postgres://layerlab:s3cret@db.example.org:99999/layerlab', 'does not read as a URL'],
      ['postgresql:layerlab', 'must start with postgres:// or postgresql://'],
      ['postgres:///layerlab', 'names no host'],
    ];
    for (const [url, why] of cases) {
      let message = '';
      try {
        serverConfigFromEnv({ LAYERLAB_CLASS_DB: url });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, url).toBe(`LAYERLAB_CLASS_DB: the PostgreSQL URL ${why}; write it like postgres://layerlab:password@db.example.org:5432/layerlab`);
      expect(message).not.toContain('s3cret');
    }
  });

  it('describes every variable', () => {
    for (const [name, schema] of Object.entries(ENVIRONMENT.shape)) expect(schema.description, name).toBeTruthy();
  });
});
