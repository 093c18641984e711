import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { underProc } from '../../sandbox-server/policy/proc-paths.ts';
import { buildOnEngine, namespaceOfLearner, randomHex } from '../support/engine.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/**
 * The Dockerfile review against an attacker's spellings. For each construct the sandbox refuses
 * (ADD of a URL, FROM outside what the learner may use, COPY --from an image, WORKDIR under
 * /proc, variables in FROM and ADD), at least fifty spellings go through a learner's terminal on
 * the real engine. Each must be refused, or be built and proven harmless: a loopback listener the
 * engine could reach sees no connection, the built image holds nothing of an image it must not
 * read, its working directory is not under /proc.
 */

let sandbox: TestSandbox;
let docker: Docker;
let learner: Learner;
let namespace: string;
let listener: Server;
let url: string;
let port: number;
let connections = 0;
const marker = `forbidden-marker-${randomHex(8)}`;
/** Images the learner must never read: planted past the sandbox, and another learner's. */
let forbiddenId: string;
let otherId: string;
let otherTag: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  docker = sandbox.server.context.docker;
  listener = createServer((_request, response) => response.end('the engine reached the host\n'));
  listener.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/add`;

  const planted = await buildOnEngine(docker, `FROM busybox\nRUN echo ${marker} > /secret\nLABEL org.test.secret=${marker}\n`, {}, 'forbidden-base:1');
  forbiddenId = planted.id!;

  const other = await sandbox.newLearner({ Dockerfile: `FROM busybox\nRUN echo ${marker} > /secret\n` });
  await other.ok('docker build -t secret .');
  const otherNamespace = namespaceOfLearner(other);
  otherTag = `ll-${otherNamespace}/secret:latest`;
  otherId = (await docker.getImage(otherTag).inspect()).Id;

  learner = await sandbox.newLearner({ Dockerfile: `FROM busybox\nENV P=/proc D=/proc/self U=${url}\nWORKDIR /srv\n` });
  namespace = namespaceOfLearner(learner);
  await learner.ok('docker build -t envbase .');
  // Images with triggers no build here would write: only a `docker load` or commit could make them.
  await buildOnEngine(docker, `FROM busybox\nONBUILD ADD ${url}/trigger /t\n`, {}, `ll-${namespace}/triggered:latest`);
  await buildOnEngine(docker, 'FROM busybox\nONBUILD WORKDIR /proc/self/fd/7\n', {}, `ll-${namespace}/triggered-workdir:latest`);
  await buildOnEngine(docker, 'FROM busybox\nONBUILD   add  /x /y\n', {}, `ll-${namespace}/triggered-spaced:latest`);
}, 300_000);

afterAll(async () => {
  await sandbox?.close();
  await docker?.getImage('forbidden-base:1').remove({ force: true }).catch(() => undefined);
  listener?.close();
});

type Outcome = 'refused' | 'failed' | 'built';

/** Parse errors the review found that the real CLI printed without the engine's "Error response from daemon: ". */
const unlikeTheEngine: string[] = [];

/**
 * Builds one spelling in the learner's terminal (the real CLI); a refusal must come before any
 * step runs. The review refuses in one of two ways: a policy sentence ("Error: Dockerfile:2: …"),
 * or a parse error, which the engine itself answers before any step as
 * "Error response from daemon: dockerfile parse error line 2: …".
 */
async function attempt(dockerfile: string): Promise<{ outcome: Outcome; output: string }> {
  await learner.setFiles({ Dockerfile: dockerfile, 'app.txt': 'hello\n' });
  const { output, exitCode } = await learner.run('docker build -t spelling .');
  if (exitCode === 0) return { outcome: 'built', output };
  const parseError = /^(Error response from daemon: )?dockerfile parse error line \d+: .*$/m.exec(output);
  if (parseError && !parseError[1]) unlikeTheEngine.push(parseError[0]);
  const refused = /^Error: Dockerfile:\d+: /m.test(output) || parseError !== null;
  if (refused) expect(output, dockerfile).not.toMatch(/^Step \d+\//m);
  return { outcome: refused ? 'refused' : 'failed', output };
}

/** The learner's last built image holds nothing of the forbidden images. */
async function expectNothingForbidden(dockerfile: string): Promise<void> {
  const image = await docker.getImage(`ll-${namespace}/spelling:latest`).inspect();
  expect(image.Config.Labels?.['org.test.secret'], dockerfile).toBeUndefined();
  const read = await learner.run('docker run --rm spelling cat /secret');
  expect(read.output, dockerfile).not.toContain(marker);
}

/** Runs every spelling, applies the construct's harm check to what was built, and tallies outcomes. */
async function corpus(spellings: string[], harmless: (dockerfile: string) => Promise<void>): Promise<Record<Outcome, number>> {
  const unique = [...new Set(spellings)];
  expect(unique.length).toBeGreaterThanOrEqual(50);
  const tally: Record<Outcome, number> = { refused: 0, failed: 0, built: 0 };
  for (const dockerfile of unique) {
    const before = connections;
    const { outcome } = await attempt(dockerfile);
    tally[outcome] += 1;
    expect(connections - before, `the engine reached the listener for:\n${dockerfile}`).toBe(0);
    if (outcome === 'built') await harmless(dockerfile);
  }
  return tally;
}

/** Each line in several dresses: lower case, tabs, CRLF, a BOM, a continuation, a later stage, a heredoc body. */
function dressed(line: string, { trigger = true } = {}): string[] {
  const [keyword, ...rest] = line.split(' ');
  const args = rest.join(' ');
  const variants = [
    `FROM busybox\n${line}\n`,
    `FROM busybox\n${keyword!.toLowerCase()} ${args}\n`,
    `FROM busybox\n${keyword}\t${args.replace(/ /g, '\t')}\n`,
    `FROM busybox\r\n${line}\r\n`,
    `\uFEFFFROM busybox\n${line}\n`,
    `FROM busybox\n${keyword} \\\n  ${args}\n`,
    `FROM busybox\n${keyword} \\\n# a comment inside\n\n  ${args}\n`,
    `FROM busybox AS first\nFROM busybox\n${line}\n`,
    `FROM busybox\nRUN <<CMD\n${line}\nCMD\n`,
  ];
  if (trigger) variants.push(`FROM busybox\nONBUILD ${line}\n`, `FROM busybox\nonbuild ${keyword!.toLowerCase()} ${args}\n`);
  return variants;
}

const tallies: Record<string, Record<Outcome, number>> = {};

describe('every spelling of a refused Dockerfile construct is refused or harmless', () => {
  it('ADD of a URL never makes the engine connect to the host', async () => {
    const host = `127.0.0.1:${port}`;
    const cores = [
      `ADD ${url} /a`,
      `ADD "${url}" /a`,
      `ADD '${url}' /a`,
      `ADD "http"://${host}/add /a`,
      `ADD h"tt"p://${host}/add /a`,
      `ADD h\\ttp://${host}/add /a`,
      `ADD http:\\/\\/${host}/add /a`,
      `ADD ["${url}", "/a"]`,
      `ADD ["\\u0068ttp://${host}/add", "/a"]`,
      `ADD ["http\\u003a//${host}/add", "/a"]`,
      `ADD ["http:\\/\\/${host}/add", "/a"]`,
      `ADD ["${url}", "/a"] trailing words`,
      `ADD [ "${url}" , "/a" ]`,
      `ADD ["\\"${url}\\"", "/a"]`,
      `ADD ["h\\\\ttp://${host}/add", "/a"]`,
      `ADD --chown=1:1 ${url} /a`,
      `ADD --chown="1:1" ${url} /a`,
      `ADD -- ${url} /a`,
      `ADD --chown=1 -- ${url} /a`,
      `ADD --chown=1:1 ["${url}", "/a"]`,
      `ADD ${url} app.txt /a/`,
      `ADD app.txt ${url} /a/`,
      `ADD HTTP://${host}/add /a`,
      `ADD https://${host}/add /a`,
      `ADD "ht"'tp'"://"${host}/add /a`,
      `ADD git@${host}:x.git /a`,
      `ADD      ${url}      /a   `,
    ];
    const spellings = [
      ...cores.flatMap((core) => [`FROM busybox\n${core}\n`]),
      ...[cores[0]!, cores[8]!, cores[5]!].flatMap((core) => dressed(core)),
      `FROM busybox\nADD http://127.0.0.1:\\\n${port}/add /a\n`,
      `FROM busybox\nADD http://127.0.\\\n# between\n0.1:${port}/add /a\n`,
      `FROM busybox\nADD ht\\\ntp://${host}/add /a\n`,
      `FROM busybox\nADD [\\\n"${url}", "/a"]\n`,
      `FROM busybox\nADD ["http://127.0.0.1:\\\n${port}/add", "/a"]\n`,
      `# escape=\`\nFROM busybox\nADD h\`ttp://${host}/add /a\n`,
      `# escape=\`\nFROM busybox\nADD \`\n  ${url} /a\n`,
      // With the backtick as escape token a backslash is a plain character: a file, not a URL.
      `# escape=\`\nFROM busybox\nADD h\\ttp://${host}/add /a\n`,
      `#escape=\`\nFROM busybox\nONBUILD ADD h\`ttp://${host}/add /a\n`,
      `FROM busybox\nADD\u00a0${url} /a\n`,
      `FROM busybox\nADD\u2003${url} /a\n`,
      `FROM busybox\nADD ${url}\u200b /a\n`,
      `FROM busybox\nRUN <<EOF\nADD ${url} /a\nEOF\n`,
      `FROM busybox\nENV U=${url}\nADD $U /a\n`,
      `FROM busybox\nARG U=${url}\nADD \${U} /a\n`,
      `FROM busybox\nADD \${U:-${url}} /a\n`,
      `FROM busybox\nENV U=${url}\nADD ["\\u0024U", "/a"]\n`,
      `FROM busybox\nENV U=${url}\nADD ["\\u0024{U}", "/a"]\n`,
      `FROM busybox\nENV H=127.0.0.1\nADD http://$H:${port}/add /a\n`,
      `FROM envbase\nADD $U /a\n`,
      `FROM triggered\n`,
      `FROM triggered-spaced\n`,
      `FROM busybox\nCOPY ${url} /a\n`,
      // Control characters that JSON escapes decode to: the engine's word splitting and line
      // continuation read them, so no canonical spelling may carry one (the outside review's finding).
      ...['\\u000b', '\\u000c', '\\r', '\\n', '\\u0085', '\\u00a0', '\\u2028', '\\t'].flatMap((escape) => [
        `FROM busybox\nADD ["app.txt${escape}${url}", "/d/"]\n`,
        `FROM busybox\nCOPY ["app.txt${escape}${url}", "/d/"]\n`,
        `FROM busybox\nVOLUME ["a${escape}#"]\nADD app.txt /x\nADD ["${url}", "/y"]\n`,
      ]),
    ];
    tallies.add = await corpus(spellings, async () => undefined);
    expect(connections).toBe(0);
    expect(tallies.add.refused).toBeGreaterThan(40);
  });

  it('FROM only builds on the catalogue, the learner\'s own images and earlier stages', async () => {
    const short = forbiddenId.slice(7, 19);
    const cores = [
      'forbidden-base:1',
      '"forbidden-base:1"',
      "'forbidden-base':1",
      'forbidden\\-base:1',
      'forbidden-base:\\1',
      'docker.io/library/forbidden-base:1',
      'index.docker.io/library/forbidden-base:1',
      'library/forbidden-base:1',
      'FORBIDDEN-BASE:1',
      forbiddenId.slice(7),
      forbiddenId,
      short,
      otherTag.replace(/:latest$/, ''),
      otherTag,
      otherId,
      otherId.slice(7),
      otherId.slice(7, 19),
      'forbidden-base:1 AS x',
      'forbidden-base:1 as x',
      '--platform=linux/amd64 forbidden-base:1',
      `forbidden-base:1@sha256:${'0'.repeat(64)}`,
      `forbidden-base@sha256:${'0'.repeat(64)}`,
      'localhost:5000/forbidden-base:1',
      '127.0.0.1:5000/forbidden-base:1',
      `localhost:5000/${otherTag.split('/')[0]!.slice(3)}/secret`,
      '\\u0066orbidden-base:1',
      '["forbidden-base:1"]',
      'forbidden-base',
      'forbidden-base:latest',
      '${X:-forbidden-base:1}',
      '"${X:-forbidden-base:1}"',
      `ll-${namespace}/busybox`,
      'secret',
      `${otherTag.split('/')[0]}/secret`,
    ];
    const spellings = [
      ...cores.map((core) => `FROM ${core}\nCMD ["true"]\n`),
      ...cores.slice(0, 4).map((core) => `FROM busybox AS base\nFROM ${core}\nCMD ["true"]\n`),
      'ARG B=forbidden-base:1\nFROM $B\n',
      'ARG B=forbidden-base:1\nFROM ${B}\n',
      'ARG B=forbidden-base:1\nFROM "$B"\n',
      'ARG B=forbidden\nFROM $B-base:1\n',
      'FROM \\\nforbidden-base:1\n',
      'FROM forbidden-\\\nbase:1\n',
      'FROM forbidden-\\\n# inside\nbase:1\n',
      '# escape=`\nFROM forbidden`-base:1\n',
      '# escape=`\nFROM forbidden-`\nbase:1\n',
      'from forbidden-base:1\n',
      '\uFEFFFROM forbidden-base:1\n',
      'FROM forbidden-base:1\r\n',
      'FROM\tforbidden-base:1\n',
      'FROM    forbidden-base:1   \n',
      'FROM\u00a0forbidden-base:1\n',
      'FROM busybox\nRUN <<CMD\nFROM forbidden-base:1\nCMD\n',
      'FROM busybox\nONBUILD FROM forbidden-base:1\n',
      'FROM busybox AS forbidden-base\nFROM forbidden-base\nCMD ["true"]\n',
      // A newline decoded from JSON would join the next canonical line, a stage with it.
      `FROM busybox\nVOLUME ["a\\n#"]\nFROM busybox AS secret\nFROM secret\nRUN cat /secret\n`,
      `FROM busybox\nLABEL ["x\\n#"]\nFROM busybox AS ${otherId.slice(7, 19).replace(/^[0-9]+/, 'a')}\nFROM ${otherId.slice(7, 19)}\n`,
      `FROM busybox\nENV ["a\\u000b#"]\nFROM busybox AS forbidden\nFROM forbidden\n`,
    ];
    tallies.from = await corpus(spellings, expectNothingForbidden);
    expect(tallies.from.refused).toBeGreaterThan(40);
  });

  it('COPY --from reads only earlier stages, never an image', async () => {
    const cores = [
      '--from=forbidden-base:1 /secret /s',
      '--from="forbidden-base:1" /secret /s',
      "--from='forbidden-base:1' /secret /s",
      '--from=forbidden\\-base:1 /secret /s',
      '--"from"=forbidden-base:1 /secret /s',
      '--fr\\om=forbidden-base:1 /secret /s',
      `--from=${forbiddenId} /secret /s`,
      `--from=${forbiddenId.slice(7)} /secret /s`,
      `--from=${forbiddenId.slice(7, 19)} /secret /s`,
      `--from=${otherTag} /secret /s`,
      `--from=${otherId} /secret /s`,
      '--from=$B /secret /s',
      '--from=${B} /secret /s',
      '--from=${B:-forbidden-base:1} /secret /s',
      '--from=docker.io/library/forbidden-base:1 /secret /s',
      '--from=FORBIDDEN-BASE:1 /secret /s',
      '--FROM=forbidden-base:1 /secret /s',
      '--from forbidden-base:1 /secret /s',
      '--from=0 /secret /s',
      '--from=-1 /secret /s',
      '--from=+0 /secret /s',
      '--from=later /secret /s',
      '--from=forbidden-base:1 --chown=1 /secret /s',
      '--chown=1 --from=forbidden-base:1 /secret /s',
      '--from=forbidden-base:1 ["/secret", "/s"]',
      '--from=localhost:5000/forbidden-base:1 /secret /s',
      '--from=forbidden-base:1 --from=busybox /secret /s',
      '--from= /secret /s',
      '--chmod=777 --from=forbidden-base:1 /secret /s',
      '-- --from=forbidden-base:1 /secret /s',
      `--from=forbidden-base@sha256:${'0'.repeat(64)} /secret /s`,
      '--from=scratch /secret /s',
    ];
    const spellings = [
      ...cores.map((core) => `ARG B=forbidden-base:1\nFROM busybox\nCOPY ${core}\n`),
      ...cores.slice(0, 3).flatMap((core) => dressed(`COPY ${core}`)),
      'FROM busybox\nCOPY \\\n--from=forbidden-base:1 /secret /s\n',
      'FROM busybox\nCOPY --from=forbidden-\\\nbase:1 /secret /s\n',
      '# escape=`\nFROM busybox\nCOPY --from=forbidden`-base:1 /secret /s\n',
      'FROM busybox\nCOPY --from=forbidden-base:1\t/secret /s\n',
      'FROM busybox\nCOPY --from\u00a0forbidden-base:1 /secret /s\n',
      'FROM busybox\nADD --from=forbidden-base:1 /secret /s\n',
      'FROM busybox AS base\nFROM busybox\nONBUILD COPY --from=base /secret /s\n',
      // Earlier stages, however named, are what --from may read.
      'FROM busybox AS forbidden\nFROM busybox\nCOPY --from=forbidden /bin/busybox /s\n',
      'FROM busybox AS forbidden\nFROM busybox\nCOPY --from=Forbidden /bin/busybox /s\n',
      'FROM busybox AS stage\nFROM busybox\nCOPY --from=00 /bin/busybox /s\n',
      'FROM busybox\nVOLUME ["a\\n#"]\nFROM busybox AS secret\nFROM busybox\nCOPY --from=secret /secret /s\n',
    ];
    tallies.copyFrom = await corpus(spellings, expectNothingForbidden);
    expect(tallies.copyFrom.refused).toBeGreaterThan(40);
  });

  it('WORKDIR never lands under /proc', async () => {
    const directories = [
      '/proc',
      '/proc/',
      '/proc/self/fd/7',
      '/proc/self/fd/8',
      '//proc/self/fd/8',
      '///proc',
      '/./proc/self',
      '/x/../proc/self',
      '/x/./../proc',
      '"/proc/self"',
      "'/proc'/self",
      '/pr\\oc',
      '/pr"o"c',
      '/proc/../proc',
      '/sys/..//proc',
      '/proc/self/cwd',
      '${D:-/proc}',
      '${UNSET:-/proc}/self',
      '/proc # a comment',
      '["/proc"]',
      '/PROC',
      '/\\u0070roc',
    ];
    const spellings = [
      ...directories.map((directory) => `FROM busybox\nWORKDIR ${directory}\n`),
      ...dressed('WORKDIR /proc/self/fd/8'),
      'FROM busybox\nWORKDIR /\nWORKDIR proc\n',
      'FROM busybox\nWORKDIR /app\nWORKDIR ../proc\n',
      'FROM busybox\nWORKDIR /a/b\nWORKDIR ../../proc/self\n',
      'FROM busybox\nENV D=/proc\nWORKDIR $D\n',
      'FROM busybox\nENV D=/proc\nWORKDIR ${D}/self\n',
      'FROM busybox\nARG D=/proc\nWORKDIR $D\n',
      'FROM busybox\nENV D=x\nWORKDIR ${D:+/proc}\n',
      'FROM busybox\nENV D=/pr\nWORKDIR ${D}oc\n',
      'FROM busybox\nENV D=proc\nWORKDIR /$D\n',
      'FROM busybox\nENV A=/ B=proc\nWORKDIR $A$B\n',
      'FROM busybox\nENV D="/proc"\nWORKDIR $D\n',
      'FROM busybox\nENV D /proc\nWORKDIR $D\n',
      'FROM busybox\nENV D=/proc\nENV D=/safe\nWORKDIR $D\n',
      'FROM busybox\nENV D=/proc\nWORKDIR ${D:?}\n',
      'FROM envbase\nWORKDIR $P\n',
      'FROM envbase\nWORKDIR $D/fd\n',
      'FROM envbase\nWORKDIR ../proc\n',
      'FROM triggered-workdir\n',
      'FROM busybox\nWORKDIR /pro\\\nc\n',
      '# escape=`\nFROM busybox\nWORKDIR /pr`oc\n',
      'FROM busybox\nWORKDIR /a/b\nONBUILD WORKDIR ../../proc\n',
      'FROM busybox\nONBUILD WORKDIR $D\n',
      'FROM busybox\nUSER nobody\nWORKDIR /proc\n',
    ];
    tallies.workdir = await corpus(spellings, async (dockerfile) => {
      const image = await docker.getImage(`ll-${namespace}/spelling:latest`).inspect();
      expect(underProc(image.Config.WorkingDir || '/'), `${dockerfile} built WORKDIR ${image.Config.WorkingDir}`).toBe(false);
    });
    expect(tallies.workdir.refused).toBeGreaterThan(40);
  });

  it('variables, $ or \\u0024, never reach FROM or an ADD source', async () => {
    const references = ['$V', '${V}', '"$V"', '"${V}"', '${V:-x}', '${V:+x}', '${V?}', '${V:?x}', '$V/x', 'x$V', '$\\\nV', "'$V'", '\\$V'];
    const json = ['\\u0024V', '\\u0024{V}', '\\u0024\\u007bV\\u007d', '$V', '${V}', '\\"$V\\"'];
    const spellings = [
      ...references.map((reference) => `ARG V=forbidden-base:1\nFROM ${reference}\nCMD ["true"]\n`),
      ...references.map((reference) => `FROM busybox\nARG V=${url}\nADD ${reference} /a\n`),
      ...references.map((reference) => `FROM busybox\nENV V=${url}\nONBUILD ADD ${reference} /a\n`),
      ...json.map((reference) => `FROM busybox\nENV V=${url}\nADD ["${reference}", "/a"]\n`),
      ...json.map((reference) => `FROM busybox\nENV V=${url}\nADD --chown=1 ["${reference}", "/b", "/a"]\n`),
      `# escape=\`\nARG V=forbidden-base:1\nFROM $V\n`,
      `# escape=\`\nFROM busybox\nENV V=${url}\nADD $V /a\n`,
      `FROM envbase\nADD ["\\u0024U", "/a"]\n`,
    ];
    tallies.variables = await corpus(spellings, expectNothingForbidden);
    expect(connections).toBe(0);
    expect(tallies.variables.refused).toBeGreaterThan(40);
  });

  it('prints a parse error the review finds as the engine prints its own', () => {
    // The real engine answers a Dockerfile it can't parse before streaming anything, so the CLI
    // prints "Error response from daemon: dockerfile parse error line N: …"; the review's refusal
    // must read the same.
    expect(Object.keys(tallies)).toHaveLength(5);
    expect(unlikeTheEngine, 'printed without "Error response from daemon: "').toEqual([]);
  });

  it('reports what each corpus came to', () => {
    // Visible in the test log, and quoted in docs/security.md.
    console.log(`Dockerfile spellings (refused / failed in the engine / built and harmless): ${JSON.stringify(tallies)}`);
    expect(Object.keys(tallies)).toHaveLength(5);
  });
});
