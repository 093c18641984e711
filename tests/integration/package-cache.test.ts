import { readFileSync } from 'node:fs';
import http from 'node:http';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { ensurePackageCache, stopPackageCache } from '../../sandbox-server/packages/package-cache.ts';
import { REFUSED_DESTINATION } from '../../sandbox-server/packages/proxy-config.ts';
import { packageCacheSettings, type PackageCacheSettings } from '../../sandbox-server/packages/settings.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { endSessionsAfterEachTest } from '../support/sessions.ts';

/**
 * The class package cache on the real engine: builds install from npm, PyPI and Debian through
 * it, reach nothing else, keep no trace of it, and a second learner's install is served from it.
 * `npm test` has started the machine's cache (engine/prepare.ts).
 */

let sandbox: TestSandbox;
let settings: PackageCacheSettings;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  settings = (await packageCacheSettings())!;
});
afterAll(async () => {
  await sandbox?.close();
});
endSessionsAfterEachTest(() => sandbox);

/** Upstream fetches Verdaccio has logged for a file name ending so. */
function npmUpstreamFetches(ending: string): number {
  const log = readFileSync(path.join(settings.directory, 'npm', 'verdaccio.log'), 'utf8');
  return log.split('\n').filter((line) => line.includes('"making request') && line.includes(ending)).length;
}

const EXPRESS_APP = {
  Dockerfile: 'FROM node:18-slim\nWORKDIR /app\nRUN npm install express@4.21.2\nCMD ["node", "-e", "require(\'express\'); console.log(\'express loads\')"]\n',
};

describe('the class package cache', () => {
  it('installs express with npm, and a second learner\'s install comes from the cache, not the registry', async () => {
    const before = npmUpstreamFetches('express-4.21.2.tgz');
    const first = await sandbox.newLearner(EXPRESS_APP);
    const built = await first.run('docker build -t app .', 300_000);
    expect(built.exitCode, built.output).toBe(0);
    expect(await first.ok('docker run --rm app')).toContain('express loads');
    const afterFirst = npmUpstreamFetches('express-4.21.2.tgz');
    // Once at most: an earlier run on this machine may have fetched it already.
    expect(afterFirst - before).toBeLessThanOrEqual(1);
    expect(afterFirst).toBeGreaterThanOrEqual(1);

    // Another step first, so the engine's build cache can't answer and npm really runs again.
    const second = await sandbox.newLearner({ Dockerfile: EXPRESS_APP.Dockerfile.replace('WORKDIR /app\n', 'WORKDIR /app\nRUN echo second learner\n') });
    const again = await second.run('docker build -t app .', 300_000);
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toContain('added');
    expect(npmUpstreamFetches('express-4.21.2.tgz')).toBe(afterFirst);
  }, 600_000);

  it('installs flask with pip, and apt-get installs Debian packages, which a second learner gets from the cache', async () => {
    const dockerfile = (marker: string) =>
      `FROM python:3.11-slim\nRUN echo ${marker}\nRUN pip install flask\nRUN apt-get update && apt-get install -y --no-install-recommends jq\nCMD ["python", "-c", "import flask; print('flask', flask.__version__)"]\n`;
    const learner = await sandbox.newLearner({ Dockerfile: dockerfile(`first-${process.pid}`) });
    const built = await learner.run('docker build -t web .', 300_000);
    expect(built.exitCode, built.output).toBe(0);
    expect(built.output).toMatch(/Successfully installed .*flask-/i);
    expect(await learner.ok('docker run --rm web')).toMatch(/^flask \d/m);
    expect(await learner.ok('docker run --rm web jq --version')).toMatch(/^jq-1\./);

    const second = await sandbox.newLearner({ Dockerfile: dockerfile(`second-${process.pid}`) });
    expect((await second.run('docker build -t web .', 300_000)).exitCode).toBe(0);
    // The proxy's log names each download and whether its cache held it.
    const jq = readFileSync(path.join(settings.directory, 'proxy', 'access.log'), 'utf8')
      .split('\n')
      .filter((line) => /\/jq_[^ ]*\.deb /.test(line));
    expect(jq.at(-1)).toMatch(/ 200 HIT /);
  }, 600_000);

  it('leaves no trace of the proxy in the image\'s history or config', async () => {
    const learner = await sandbox.newLearner(EXPRESS_APP);
    expect((await learner.run('docker build -t app .', 300_000)).exitCode).toBe(0);
    const history = await learner.ok('docker history --no-trunc app');
    const config = await learner.ok('docker inspect app');
    for (const text of [history, config]) {
      expect(text).not.toMatch(/proxy/i);
      expect(text).not.toContain(settings.gateway);
    }
  }, 600_000);

  it('refuses every other destination with a sentence, over HTTP and HTTPS', async () => {
    const fetchScript = [
      'import sys, urllib.request, urllib.error',
      'try:',
      '    urllib.request.urlopen(sys.argv[1], timeout=20)',
      'except urllib.error.HTTPError as error:',
      '    print(error.read().decode())',
      '    raise SystemExit(3)',
      '',
    ].join('\n');
    const learner = await sandbox.newLearner({
      'fetch.py': fetchScript,
      Dockerfile: 'FROM python:3.11-slim\nCOPY fetch.py /\nRUN python3 /fetch.py http://example.com/\n',
    });
    const refused = await learner.run('docker build -t out .', 300_000);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toContain(REFUSED_DESTINATION);
    expect(refused.output).toContain('example.com is not one of them');

    await learner.setFiles({ 'fetch.py': fetchScript, Dockerfile: 'FROM python:3.11-slim\nCOPY fetch.py /\nRUN python3 /fetch.py https://example.com/\n' });
    const tunnel = await learner.run('docker build -t out .', 300_000);
    expect(tunnel.exitCode).not.toBe(0);
    expect(tunnel.output).toMatch(/Tunnel connection failed: 40\d/);
  }, 600_000);

  it('is not reachable from a running container', async () => {
    const learner = await sandbox.newLearner();
    const run = await learner.run(`docker run --rm busybox wget -q -T 5 -O- http://${settings.gateway}:3128/`);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).not.toContain(REFUSED_DESTINATION);
  });
});

describe('with the package cache off', () => {
  let offline: TestSandbox;
  beforeAll(async () => {
    offline = await startTestSandbox({ LAYERLAB_PACKAGE_CACHE: 'off' });
  });
  afterAll(async () => {
    await offline?.close();
  });

  it('builds have no network at all', async () => {
    // npm would retry an unreachable registry for a minute and more; once says the same.
    const learner = await offline.newLearner({ Dockerfile: EXPRESS_APP.Dockerfile.replace('npm install', 'npm install --fetch-retries=0') });
    const build = await learner.run('docker build -t app .', 300_000);
    expect(build.exitCode).not.toBe(0);
    expect(build.output).toMatch(/npm (ERR|error)/);
  }, 600_000);
});

describe('a remote Python index through the cache', () => {
  // An upstream of our own, counting what the cache asks of it, laid out as PyPI is: index pages
  // whose links point at another address for the files.
  const fetched: string[] = [];
  let upstream: http.Server;
  let cache: PackageCacheSettings;
  let remote: TestSandbox;
  const docker = connectEngine();

  beforeAll(async () => {
    upstream = http.createServer((request, response) => {
      fetched.push(request.url ?? '');
      const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      if (request.url === '/simple/flask/') {
        response.setHeader('Content-Type', 'text/html');
        response.end(`<a href="${base}/files/flask-3.1.3-py3-none-any.whl">flask-3.1.3-py3-none-any.whl</a>\n`);
      } else if (request.url === '/files/flask-3.1.3-py3-none-any.whl') {
        response.end(readFileSync('/opt/pypi/files/flask-3.1.3-py3-none-any.whl'));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    // The cache's services run unprivileged, so its folder must be open to them.
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-cache-'));
    chmodSync(cacheDir, 0o755);
    const env = {
      ...process.env,
      LAYERLAB_PACKAGE_CACHE_SUBNET: '10.202.0.0/29',
      LAYERLAB_PACKAGE_CACHE_DIR: cacheDir,
      LAYERLAB_PYPI_INDEX: `http://127.0.0.1:${port}/simple/`,
      LAYERLAB_PYPI_FILES: `http://127.0.0.1:${port}/files/`,
    };
    cache = (await packageCacheSettings(env))!;
    await ensurePackageCache(docker, cache, { logDir: cache.directory, log: () => {} });
    remote = await startTestSandbox({ LAYERLAB_PACKAGE_CACHE_SUBNET: '10.202.0.0/29' });
  }, 120_000);
  afterAll(async () => {
    await remote?.close();
    if (cache) {
      await stopPackageCache(docker, cache);
      rmSync(cache.directory, { recursive: true, force: true });
    }
    upstream?.close();
  });

  it('fetches a file once for two learners, with the links rewritten to come back through it', async () => {
    // --no-deps: this upstream holds flask alone.
    const dockerfile = (marker: string) => `FROM python:3.11-slim\nRUN echo ${marker}\nRUN pip download --no-deps -d /wheels flask\n`;
    for (const marker of ['one', 'two']) {
      const learner = await remote.newLearner({ Dockerfile: dockerfile(`${marker}-${process.pid}`) });
      const build = await learner.run('docker build -t dl .', 300_000);
      expect(build.exitCode, build.output).toBe(0);
      expect(build.output).toContain('flask-3.1.3-py3-none-any.whl');
    }
    expect(fetched.filter((url) => url.startsWith('/files/'))).toEqual(['/files/flask-3.1.3-py3-none-any.whl']);
  }, 600_000);
});
