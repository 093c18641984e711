import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueReferences } from '../../sandbox-server/images/catalogue.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';
import { endSessionsAfterEachTest } from '../support/sessions.ts';
import { parseTable } from '../support/terminal-text.ts';

/** `docker build`, `docker images`, history, inspect, rmi, prune, tag and pull, on the real engine. */

const DOCKERFILE = 'FROM busybox\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n';
const NAMESPACE = /llk?-[0-9a-f]{16}/;

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});
endSessionsAfterEachTest(() => sandbox);

/**
 * The ID `docker images -q NAME` prints: the 12-character short ID, once for each tag of the
 * repository it lists (as docker prints it), and the same on every line.
 */
async function shortIdOf(learner: Learner, name: string): Promise<string> {
  const output = await learner.ok(`docker images -q ${name}`);
  expect(output).toMatch(/^([0-9a-f]{12}\n)+$/);
  const ids = new Set(output.trim().split('\n'));
  expect(ids.size, output).toBe(1);
  return [...ids][0]!;
}

describe('docker build', () => {
  it('tags the image with every -t it is given', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    const build = await learner.run('docker build -t app -t app:v1 -t team/app:2 .');
    expect(build.exitCode, build.output).toBe(0);
    // On the terminal the CLI ends its context progress line with "\r\r\n" (\r\n here made \n).
    expect(build.output).toMatch(/^Sending build context to Docker daemon {2}\d+(\.\d+)?k?B\r\r\n/);
    expect(build.output).toContain('Step 1/3 : FROM busybox\n');
    expect(build.output).toContain('Step 2/3 : RUN echo built > /built.txt\n');
    expect(build.output).toMatch(/Successfully built [0-9a-f]{12}\n/);
    for (const tag of ['app:latest', 'app:v1', 'team/app:2']) expect(build.output).toContain(`Successfully tagged ${tag}\n`);
    expect(build.output).not.toMatch(NAMESPACE);

    const rows = parseTable(await learner.ok('docker images')).rows;
    const tagged = ['app latest', 'app v1', 'team/app 2'].map((name) =>
      rows.find((row) => `${row.REPOSITORY} ${row.TAG}` === name),
    );
    expect(tagged.every(Boolean), JSON.stringify(rows)).toBe(true);
    expect(new Set(tagged.map((row) => row!['IMAGE ID'])).size).toBe(1);
    expect(await learner.run('docker run --rm team/app:2')).toEqual({ output: 'built\n', exitCode: 0 });
  });

  it('builds from another Dockerfile with -f', async () => {
    const learner = await sandbox.newLearner({
      Dockerfile: DOCKERFILE,
      'Dockerfile.dev': 'FROM busybox\nCMD ["echo", "dev build"]\n',
    });
    const build = await learner.run('docker build -f Dockerfile.dev -t dev .');
    expect(build.exitCode, build.output).toBe(0);
    expect(build.output).toContain('Step 2/2 : CMD ["echo", "dev build"]\n');
    expect(build.output).not.toContain('RUN echo built');
    expect(await learner.run('docker run --rm dev')).toEqual({ output: 'dev build\n', exitCode: 0 });
  });

  it('reuses the cache on a rebuild, and runs every step again with --no-cache', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t cached .');
    const again = await learner.run('docker build -t cached .');
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(/Step 2\/3 : RUN echo built > \/built.txt\n ---> Using cache\n/);
    expect(again.output).not.toContain('Running in');

    const fresh = await learner.run('docker build --no-cache -t cached .');
    expect(fresh.exitCode, fresh.output).toBe(0);
    expect(fresh.output).not.toContain('Using cache');
    expect(fresh.output).toMatch(/Step 2\/3 : RUN echo built > \/built.txt\n ---> Running in [0-9a-f]{12}\n/);
  });

  it('prints only the image ID with -q', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    const build = await learner.run('docker build -q -t quiet .');
    expect(build.exitCode).toBe(0);
    expect(build.output).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const id = await learner.ok("docker image inspect -f '{{.Id}}' quiet");
    expect(build.output).toBe(id);
  });

  it('refuses a broken Dockerfile with the parser error and exit status 1', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROMM busybox\nCMD ["true"]\n' });
    const build = await learner.run('docker build -t broken .');
    expect(build.exitCode).toBe(1);
    // The engine refuses the Dockerfile before it builds: an error response, as the CLI prints it.
    expect(build.output).toMatch(
      /^Sending build context to Docker daemon {2}\d+(\.\d+)?k?B\r\r\nError response from daemon: dockerfile parse error line 1: unknown instruction: FROMM\n$/,
    );
    expect(build.output).not.toContain('Successfully');
    expect(parseTable(await learner.ok('docker images')).rows.map((row) => row.REPOSITORY)).not.toContain('broken');
  });

  it("shows a failing RUN step's command and its non-zero code", async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nRUN echo trying && exit 3\n' });
    const build = await learner.run('docker build -t failing .');
    expect(build.exitCode).toBe(1);
    expect(build.output).toContain('trying\n');
    expect(build.output).toContain("The command '/bin/sh -c echo trying && exit 3' returned a non-zero code: 3\n");
    expect(build.output).not.toContain('Successfully');
  });
});

describe('docker images', () => {
  let learner: Learner;
  beforeAll(async () => {
    learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t web .');
    await learner.ok('docker tag web web:v1');
    await learner.ok('docker pull busybox');
  });

  it("lays out Docker's table", async () => {
    const output = await learner.ok('docker images');
    expect(output).toMatch(/^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED {2,}SIZE\n/);
    const { header, rows } = parseTable(output);
    expect(header).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']);
    expect(rows.map((row) => `${row.REPOSITORY}:${row.TAG}`).sort()).toEqual(['busybox:latest', 'web:latest', 'web:v1']);
    for (const row of rows) {
      expect(row['IMAGE ID']).toMatch(/^[0-9a-f]{12}$/);
      expect(row.CREATED).toMatch(/ ago$/);
      expect(row.SIZE).toMatch(/^\d+(\.\d+)?[kMG]?B$/);
    }
  });

  it('image ls is the same command', async () => {
    // The same table but for CREATED, which is "Less than a second ago" one moment and "1 second ago"
    // the next (and widens its column with it).
    const withoutAge = (output: string) => {
      const { header, rows } = parseTable(output);
      return { header, rows: rows.map(({ CREATED: _created, ...rest }) => rest) };
    };
    expect(withoutAge(await learner.ok('docker image ls'))).toEqual(withoutAge(await learner.ok('docker images')));
  });

  it("prints the table's image IDs alone with -q, one per row", async () => {
    // As docker does: an image with two tags is two rows, so its ID is printed twice.
    const ids = (await learner.ok('docker images -q')).trim().split('\n');
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(ids).toEqual(parseTable(await learner.ok('docker images')).rows.map((row) => row['IMAGE ID']));
    expect(new Set(ids).size).toBe(2);
    expect(ids).toContain(await shortIdOf(learner, 'web:v1'));
  });

  it('lists only the repository (and tag) it is given', async () => {
    const web = parseTable(await learner.ok('docker images web')).rows;
    expect(web.map((row) => `${row.REPOSITORY}:${row.TAG}`).sort()).toEqual(['web:latest', 'web:v1']);
    const v1 = parseTable(await learner.ok('docker image ls web:v1')).rows;
    expect(v1.map((row) => `${row.REPOSITORY}:${row.TAG}`)).toEqual(['web:v1']);
    expect(parseTable(await learner.ok('docker images nothing-here')).rows).toEqual([]);
  });

  it('shows the old image as <none> after a rebuild with changes', async () => {
    // Content no other test builds: the build cache is shared across sessions, and a layer another
    // session's image also uses would stay on the engine.
    const other = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nRUN echo site-v1 > /site.txt\n' });
    await other.ok('docker build -t site .');
    const before = await shortIdOf(other, 'site');
    await other.setFiles({ Dockerfile: 'FROM busybox\nRUN echo site-v2 > /site.txt\n' });
    await other.ok('docker build -t site .');
    const after = await shortIdOf(other, 'site');
    expect(after).not.toBe(before);

    const rows = parseTable(await other.ok('docker images')).rows;
    expect(rows).toContainEqual(expect.objectContaining({ REPOSITORY: '<none>', TAG: '<none>', 'IMAGE ID': before }));
    const dangling = parseTable(await other.ok('docker images --filter dangling=true')).rows;
    expect(dangling.map((row) => row['IMAGE ID'])).toEqual([before]);

    // image prune -f removes exactly the dangling image.
    const prune = await other.run('docker image prune -f');
    expect(prune.exitCode).toBe(0);
    // The image goes, then its layer (the engine reports both, as docker prints them); busybox's
    // layer stays, so the 8 bytes of "site-v1\n" come back.
    expect(prune.output).toMatch(
      new RegExp(`^Deleted Images:\\ndeleted: sha256:${before}[0-9a-f]{52}\\ndeleted: sha256:[0-9a-f]{64}\\n\\nTotal reclaimed space: 8B\\n$`),
    );
    const left = parseTable(await other.ok('docker images')).rows;
    // FROM busybox pulled busybox, as it would with docker; only the dangling image went.
    expect(left.map((row) => `${row.REPOSITORY}:${row.TAG}`).sort()).toEqual(['busybox:latest', 'site:latest']);
    expect((await other.run('docker image prune -f')).output).toBe('Total reclaimed space: 0B\n');
  });
});

describe('docker history', () => {
  it('shows each instruction in CREATED BY, without the namespace', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t layered .');
    const output = await learner.ok('docker history layered');
    expect(output).toMatch(/^IMAGE {10}CREATED {2,}CREATED BY {2,}SIZE {2,}COMMENT\n/);
    const { header, rows } = parseTable(output);
    expect(header).toEqual(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']);
    // The classic builder records a metadata step with two spaces after "#(nop)".
    expect(rows[0]!['CREATED BY']).toBe('/bin/sh -c #(nop)  CMD ["cat" "/built.txt"]');
    expect(rows[1]!['CREATED BY']).toBe('/bin/sh -c echo built > /built.txt');
    expect(rows[1]!.SIZE).toBe('6B');
    expect(rows[0]!.IMAGE).toBe(await shortIdOf(learner, 'layered'));
    expect(output).not.toMatch(NAMESPACE);

    const long = await learner.ok('docker image history --no-trunc layered');
    expect(long).toContain('/bin/sh -c echo built > /built.txt');
    expect(long).toMatch(/^sha256:[0-9a-f]{64} /m);
    expect(long).not.toMatch(NAMESPACE);
  });

  it('answers No such image for a name the learner does not have', async () => {
    const learner = await sandbox.newLearner({});
    expect(await learner.run('docker history ghost')).toEqual({
      output: 'Error response from daemon: No such image: ghost\n',
      exitCode: 1,
    });
  });
});

describe('docker image inspect', () => {
  it("prints the image's JSON with only the learner's own tags", async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t probe .');
    const output = await learner.ok('docker image inspect probe');
    expect(output).not.toMatch(NAMESPACE);
    const [info] = JSON.parse(output) as { Id: string; RepoTags: string[]; Config: { Cmd: string[] } }[];
    expect(info!.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(info!.RepoTags).toEqual(['probe:latest']);
    expect(info!.Config.Cmd).toEqual(['cat', '/built.txt']);
  });

  it('renders a Go template with -f', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t probe .');
    expect(await learner.run("docker image inspect -f '{{.Config.Cmd}}' probe")).toEqual({
      output: '[cat /built.txt]\n',
      exitCode: 0,
    });
    expect(await learner.ok("docker image inspect --format '{{json .Config.Cmd}}' probe")).toBe('["cat","/built.txt"]\n');
  });

  it("shows a shared base image with the learner's tag alone, not other sessions' tags", async () => {
    const first = await sandbox.newLearner({});
    const second = await sandbox.newLearner({});
    await first.ok('docker pull busybox');
    await second.ok('docker pull busybox');
    await second.ok('docker tag busybox mybox:1');
    expect(await first.ok("docker image inspect -f '{{json .RepoTags}}' busybox")).toBe('["busybox:latest"]\n');
    expect(await first.ok("docker inspect -f '{{json .RepoTags}}' busybox")).toBe('["busybox:latest"]\n');
  });
});

describe('docker rmi', () => {
  it('untags while other tags remain, and deletes with the last tag', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t app .');
    await learner.ok('docker tag app app:v1');
    const id = await shortIdOf(learner, 'app');

    expect(await learner.run('docker rmi app:v1')).toEqual({ output: 'Untagged: app:v1\n', exitCode: 0 });
    expect(await shortIdOf(learner, 'app')).toBe(id);

    const last = await learner.run('docker rmi app');
    expect(last.exitCode).toBe(0);
    expect(last.output).toMatch(new RegExp(`^Untagged: app:latest\\nDeleted: sha256:${id}[0-9a-f]{52}\\n`));
    expect(await learner.ok('docker images -q app')).toBe('');
  });

  it('refuses an image a container uses unless forced', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t used .');
    const id = await shortIdOf(learner, 'used');
    await learner.ok('docker run --name user used');
    const containerId = (await learner.ok('docker ps -aq')).trim();

    const refused = await learner.run('docker rmi used');
    expect(refused).toEqual({
      output: `Error response from daemon: conflict: unable to remove repository reference "used" (must force) - container ${containerId} is using its referenced image ${id}\n`,
      exitCode: 1,
    });
    expect(await shortIdOf(learner, 'used')).toBe(id);

    const forced = await learner.run('docker rmi -f used');
    expect(forced.exitCode, forced.output).toBe(0);
    expect(forced.output).toMatch(/^Untagged: used:latest\n/);
    expect(await learner.ok('docker images -q used')).toBe('');
  });

  it('removes an image by its ID', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t byid .');
    const id = await shortIdOf(learner, 'byid');
    const removed = await learner.run(`docker rmi ${id}`);
    expect(removed.exitCode, removed.output).toBe(0);
    expect(removed.output).toMatch(new RegExp(`^Untagged: byid:latest\\nDeleted: sha256:${id}[0-9a-f]{52}\\n`));
    expect(await learner.ok('docker images -q')).not.toContain(id);
  });

  it('image rm is the same command, and a missing image is an error', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t app:one .');
    await learner.ok('docker tag app:one app:two');
    expect(await learner.run('docker image rm app:two')).toEqual({ output: 'Untagged: app:two\n', exitCode: 0 });
    expect(await learner.run('docker image rm app:two')).toEqual({
      output: 'Error: No such image: app:two\n',
      exitCode: 1,
    });
  });
});

describe('docker tag', () => {
  it('adds a name for the same image, with either spelling', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
    await learner.ok('docker build -t source .');
    const id = await shortIdOf(learner, 'source');
    expect(await learner.run('docker tag source copy:v2')).toEqual({ output: '', exitCode: 0 });
    expect(await learner.run('docker image tag source:latest team/copy')).toEqual({ output: '', exitCode: 0 });
    expect(await shortIdOf(learner, 'copy:v2')).toBe(id);
    expect(await shortIdOf(learner, 'team/copy')).toBe(id);
    expect(await learner.run('docker run --rm copy:v2')).toEqual({ output: 'built\n', exitCode: 0 });
  });

  it('refuses a source that does not exist', async () => {
    const learner = await sandbox.newLearner({});
    const result = await learner.run('docker tag ghost copy');
    expect(result).toEqual({ output: 'Error response from daemon: No such image: ghost\n', exitCode: 1 });
  });
});

describe('docker pull', () => {
  it('prints a registry-shaped pull, then says the image is up to date', async () => {
    const learner = await sandbox.newLearner({});
    const first = await learner.run('docker pull busybox');
    expect(first.exitCode).toBe(0);
    // The layer's line as the CLI draws progress on a terminal: a new line, then the cursor up to
    // it, the line cleared and written, and the cursor down again.
    expect(first.output).toMatch(
      /^Using default tag: latest\nlatest: Pulling from library\/busybox\n\n\x1b\[1A\x1b\[2K\r[0-9a-f]{12}: Pull complete \r\x1b\[1BDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/,
    );
    expect(parseTable(await learner.ok('docker images busybox')).rows).toHaveLength(1);

    const second = await learner.run('docker pull busybox');
    expect(second.exitCode).toBe(0);
    expect(second.output).toMatch(
      /^Using default tag: latest\nlatest: Pulling from library\/busybox\nDigest: sha256:[0-9a-f]{64}\nStatus: Image is up to date for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/,
    );

    const tagged = await learner.run('docker pull nginx:1.22');
    expect(tagged.exitCode).toBe(0);
    expect(tagged.output).toMatch(/^1\.22: Pulling from library\/nginx\n/);
    expect(tagged.output).toMatch(/Status: Downloaded newer image for nginx:1\.22\n/);
  });

  it('refuses an image outside the catalogue in one line that lists what can be pulled', async () => {
    const learner = await sandbox.newLearner({});
    const result = await learner.run('docker pull alpine:3.19');
    expect(result.exitCode).toBe(1);
    const lines = result.output.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error response from daemon: pull access denied for alpine/);
    for (const reference of catalogueReferences()) expect(lines[0]).toContain(reference);
    expect(await learner.ok('docker images -q')).toBe('');
  });
});
