import { describe, expect, it } from 'vitest';
import { reviewDockerfile, type BaseImage, type BaseImageLookup } from '../../sandbox-server/policy/dockerfile-review.ts';
import { formatReference } from '../../sandbox-server/scope/reference.ts';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const images: Record<string, BaseImage> = {
  'busybox:latest': { id: id('a'), env: ['PATH=/bin'], workingDir: '', onBuild: [] },
  'node:18-slim': { id: id('b'), env: ['PATH=/usr/bin', 'NODE_VERSION=18'], workingDir: '', onBuild: [] },
};
const own: Record<string, BaseImage> = {
  'hello:latest': { id: id('c'), env: ['FROM_BASE=/proc/self'], workingDir: '/srv', onBuild: [] },
  'trigger:latest': { id: id('d'), env: [], workingDir: '/', onBuild: ['ADD http://127.0.0.1:5000/v2/ /x'] },
  'kind:latest': { id: id('e'), env: [], workingDir: '/', onBuild: ['RUN echo made here'] },
};
const lookup: BaseImageLookup = {
  own: async (ref) => own[formatReference(ref)],
  catalogue: async (ref) => images[formatReference(ref)],
  available: () => ['busybox:latest', 'node:18-slim', 'hello:latest (yours)'],
};
const review = (text: string, contextHasArchive = false) => reviewDockerfile(text, { lookup, contextHasArchive });
const messages = async (text: string, archive = false) => (await review(text, archive)).problems.map((p) => `${p.line}: ${p.message}`);

describe('reviewDockerfile', () => {
  it('pins base images by ID and writes one canonical line per instruction', async () => {
    const result = await review('FROM busybox\nCMD ["echo","hi"]\n');
    expect(result.problems).toEqual([]);
    expect(result.canonical).toBe(`FROM ${id('a')}\nCMD ["echo","hi"]\n`);
    expect(result.baseNames.get(id('a'))).toBe('busybox');
    expect(result.catalogueImages.map((ref) => formatReference(ref))).toEqual(['busybox:latest']);
  });

  it('accepts own images, scratch and earlier stages', async () => {
    const result = await review('FROM node:18-slim AS build\nRUN true\nFROM hello\nCOPY --from=build /a /a\nFROM scratch\nCOPY --from=0 /a /a\n');
    expect(result.problems).toEqual([]);
    expect(result.canonical).toBe(`FROM ${id('b')} AS build\nRUN true\nFROM ${id('c')}\nCOPY --from=build /a /a\nFROM scratch\nCOPY --from=0 /a /a\n`);
    expect(result.catalogueImages.map((ref) => formatReference(ref))).toEqual(['node:18-slim']);
    expect(result.sourceLines).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('joins continuations and drops comments, keeping the learner\'s line numbers', async () => {
    const result = await review('FROM busybox\n# a comment\nRUN echo a \\\n  # inside\n\n    && echo b\nCOPY a.txt \\\n /a\n');
    expect(result.problems).toEqual([]);
    expect(result.canonical).toBe(`FROM ${id('a')}\nRUN echo a     && echo b\nCOPY a.txt /a\n`);
    expect(result.sourceLines).toEqual([1, 3, 7]);
  });

  it('refuses base images outside the catalogue, listing what is available', async () => {
    expect(await messages('FROM python:3.12\n')).toEqual([
      "1: FROM python:3.12: this image isn't available here; you can build FROM busybox:latest, node:18-slim, hello:latest (yours), or an earlier stage",
    ]);
    expect((await messages('FROM $BASE\n'))[0]).toMatch(/variables aren't allowed in FROM/);
    expect((await messages('FROM busy${X:-box}\n'))[0]).toMatch(/variables aren't allowed in FROM/);
    expect((await messages(`FROM busybox@sha256:${'a'.repeat(64)}\n`))[0]).toMatch(/pinning by digest/);
    expect((await messages('FROM quay.io/x/y\n'))[0]).toMatch(/can't reach the registry quay.io/);
    expect((await messages('FROM --platform=linux/arm64 busybox\n'))[0]).toMatch(/--platform/);
  });

  it('reads FROM as the engine does: quotes and escapes go before the name is looked up', async () => {
    const quoted = await review('FROM "busy"box\n');
    expect(quoted.problems).toEqual([]);
    expect(quoted.canonical).toBe(`FROM ${id('a')}\n`);
    expect((await review('FROM bu\\sybox\n')).canonical).toBe(`FROM ${id('a')}\n`);
    expect((await messages("FROM 'python':3.12\n"))[0]).toMatch(/FROM python:3.12: this image isn't available/);
  });

  it('refuses ADD of URLs, also inside ONBUILD and in JSON form', async () => {
    expect((await messages('FROM busybox\nADD http://169.254.169.254/latest /x\n'))[0]).toMatch(/^2: ADD can't download http:\/\/169.254.169.254\/latest/);
    expect((await messages('FROM busybox\nADD ["https://example.com/a", "/a"]\n'))[0]).toMatch(/ADD can't download https:\/\/example.com\/a/);
    expect((await messages('FROM busybox\nONBUILD ADD http://x/y /z\n'))[0]).toMatch(/^2: ADD can't download/);
    expect((await messages('FROM busybox\nADD git@github.com:a/b.git /b\n'))[0]).toMatch(/ADD can't download/);
    expect(await messages('FROM busybox\nADD app.txt /app.txt\n')).toEqual([]);
  });

  it('decodes every spelling of a URL before judging it: JSON escapes, quotes, backslashes, the escape directive', async () => {
    const spellings = [
      'ADD ["\\u0068ttp://127.0.0.1:5000/v2/_catalog", "/c"]',
      'ADD "http://127.0.0.1:2375/x" /x',
      "ADD 'http'://127.0.0.1/x /x",
      'ADD h\\ttp://127.0.0.1/x /x',
      'ADD ["h\\\\ttp://127.0.0.1/x", "/x"]',
      'ADD ["\\"http\\"://127.0.0.1/x", "/x"] trailing words the engine ignores',
    ];
    for (const spelling of spellings) expect((await messages(`FROM busybox\n${spelling}\n`))[0], spelling).toMatch(/ADD can't download http:\/\/127\.0\.0\.1/);
    const backtick = await messages('# escape=`\nFROM busybox\nADD h`ttp://127.0.0.1/x /x\n');
    expect(backtick[0]).toMatch(/^3: ADD can't download http:\/\/127\.0\.0\.1\/x/);
  });

  it('refuses variables in ADD sources, also spelled \\u0024 in JSON', async () => {
    expect((await messages('FROM busybox\nENV U=http://127.0.0.1/x\nADD $U /x\n'))[0]).toMatch(/^3: ADD \$U: variables aren't allowed in ADD sources/);
    expect((await messages('FROM busybox\nADD ${U:-http://x} /x\n'))[0]).toMatch(/variables aren't allowed in ADD sources/);
    expect((await messages('FROM busybox\nADD ["\\u0024U", "/x"]\n'))[0]).toMatch(/variables aren't allowed in ADD sources/);
    expect((await messages('FROM busybox\nONBUILD ADD $U /x\n'))[0]).toMatch(/variables aren't allowed in ADD sources/);
    expect(await messages('FROM busybox\nADD \\$U /x\n')).toEqual([]);
  });

  it('sees heredoc bodies as instructions, as Docker 20.10 does', async () => {
    expect((await messages('FROM busybox\nRUN <<CMD\nADD http://127.0.0.1:5000/v2/ /c\nCMD\n'))[0]).toMatch(/^3: ADD can't download/);
  });

  it('reviews a base image\'s ONBUILD triggers, and refuses ones it did not write', async () => {
    expect((await messages('FROM trigger\n'))[0]).toMatch(/^1: FROM trigger: its ONBUILD trigger "ADD http:\/\/127.0.0.1:5000\/v2\/ \/x" would run here: ADD can't download/);
    expect(await messages('FROM kind\n')).toEqual([]);
  });

  it('refuses --from inside ONBUILD: the trigger runs in a later build with other stages', async () => {
    expect(await messages('FROM busybox AS base\nFROM busybox\nONBUILD COPY --from=base /a /a\n')).toEqual([
      "3: ONBUILD COPY --from isn't allowed: the trigger runs in a later build, where --from could name any image",
    ]);
  });

  it('refuses ADD when the workspace holds an archive dockerd would unpack', async () => {
    expect((await messages('FROM busybox\nADD bundle.tar /app/\n', true))[0]).toMatch(/unpack the archive/);
    expect(await messages('FROM busybox\nCOPY bundle.tar /app/\n', true)).toEqual([]);
  });

  it('allows COPY --from only for earlier stages', async () => {
    expect((await messages('FROM busybox\nCOPY --from=busybox /bin/sh /sh\n'))[0]).toMatch(/--from must name an earlier build stage/);
    expect((await messages('FROM busybox AS a\nCOPY --from=a /x /x\n'))[0]).toMatch(/--from must name an earlier build stage/);
    expect((await messages('FROM busybox\nCOPY --from=1 /x /x\n'))[0]).toMatch(/--from must name an earlier build stage/);
    expect((await messages('FROM busybox AS a\nFROM busybox\nCOPY --"from"=busy\\box /x /x\n'))[0]).toMatch(/--from=busybox: --from must name/);
  });

  it('refuses WORKDIR under /proc, however it is spelled, with variables followed', async () => {
    expect((await messages('FROM busybox\nWORKDIR /proc/self/fd/7\n'))[0]).toMatch(/^2: WORKDIR \/proc\/self\/fd\/7 isn't allowed/);
    expect((await messages('FROM busybox\nENV D=/proc\nWORKDIR $D/self\n'))[0]).toMatch(/^3: WORKDIR \/proc\/self isn't allowed/);
    expect((await messages('FROM busybox\nWORKDIR /\nWORKDIR proc\n'))[0]).toMatch(/WORKDIR proc isn't allowed/);
    expect(await messages('FROM busybox\nWORKDIR /processes\n')).toEqual([]);
    expect((await messages('FROM busybox\nWORKDIR "/proc/self"\n'))[0]).toMatch(/^2: WORKDIR \/proc\/self isn't allowed/);
    expect((await messages("FROM busybox\nWORKDIR '/pr'oc\n"))[0]).toMatch(/^2: WORKDIR \/proc isn't allowed/);
    for (const spelling of ['//proc/self/fd/8', '/./proc/self', '/x/../proc/1', '/proc/']) {
      expect((await messages(`FROM busybox\nWORKDIR ${spelling}\n`))[0], spelling).toMatch(/isn't allowed: \/proc belongs to the kernel/);
    }
    expect((await messages('FROM busybox\nENV D=x\nWORKDIR ${D:+/proc}\n'))[0]).toMatch(/^3: WORKDIR \/proc isn't allowed/);
    // The base image's own ENV counts, as it does for the engine.
    expect((await messages('FROM hello\nWORKDIR $FROM_BASE/fd\n'))[0]).toMatch(/^2: WORKDIR \/proc\/self\/fd isn't allowed/);
    expect((await messages('FROM hello\nWORKDIR ../proc\n'))[0]).toMatch(/WORKDIR \.\.\/proc isn't allowed/);
    // A trigger runs from the child's working directory, unknown here: it is checked from "/".
    expect((await messages('FROM busybox\nWORKDIR /a/b/c\nONBUILD WORKDIR ../../../proc\n'))[0]).toMatch(/^3: WORKDIR \.\.\/\.\.\/\.\.\/proc isn't allowed/);
  });

  it('gives the engine the WORKDIR it checked, not the variables it came from', async () => {
    const result = await review('FROM busybox\nENV APP=/srv/app\nWORKDIR $APP\n');
    expect(result.canonical).toBe(`FROM ${id('a')}\nENV APP=/srv/app\nWORKDIR /srv/app\n`);
  });

  it('answers the engine\'s own syntax errors in its words', async () => {
    expect((await review('FROM busybox\nECHO hi\n')).problems).toEqual([{ line: 2, message: 'unknown instruction: ECHO', kind: 'syntax' }]);
    expect((await review('FROM busybox\nENV a\n')).problems[0]!.message).toBe('ENV must have two arguments');
    expect((await review('FROM busybox\nRUN ["a", 1]\n')).problems[0]!.message).toBe('when using JSON array syntax, arrays must be comprised of strings only');
    expect((await review('# escape=x\nFROM busybox\n')).problems[0]!.message).toBe("invalid escape token 'x' does not match ` or \\");
    expect((await review('FROM busybox\nCOPY --from x /a /b\n')).problems[0]!.message).toBe('Missing a value on flag: from');
    expect((await review('FROM busybox\nWORKDIR ${x\n')).problems[0]!.message).toBe(`failed to process "\${x": missing ':' in substitution`);
    expect((await review('RUN x\n')).problems[0]!.message).toBe('no build stage in current context');
    expect((await review('\n')).problems[0]!.message).toBe('file with no instructions');
    expect((await review('FROM busybox AS 1x\n')).problems[0]!.message).toBe(`invalid name for build stage: "1x", name can't start with a number or contain symbols`);
  });

  it('refuses characters the two parsers read differently, naming the line', async () => {
    expect((await review('FROM busybox\nRUN echo\u00a0hi\n')).problems[0]!.message).toMatch(/line 2 has a non-breaking space/);
    expect((await review('FROM busybox\nWOR\u212ADIR /proc/self/fd/7\n')).problems[0]!.message).toBe('unknown instruction: WOR\u212ADIR');
    expect((await review('FROM busybox\nADD\u2003http://x /y\n')).problems[0]!.message).toMatch(/unusual space/);
    expect((await review('\uFEFFFROM busybox\n')).problems).toEqual([]);
  });

  it('refuses BuildKit-only RUN flags and notes ignored syntax directives', async () => {
    expect((await messages('FROM busybox\nRUN --mount=type=cache,target=/x true\n'))[0]).toMatch(/RUN --mount needs BuildKit/);
    const result = await review('# syntax=docker/dockerfile:1\nFROM busybox\n');
    expect(result.problems).toEqual([]);
    expect(result.notes[0]).toMatch(/ignored: this sandbox builds with the classic builder/);
  });

  it('refuses a word that decodes to a character no spelling carries to the engine unchanged', async () => {
    for (const escape of ['\\u000b', '\\u000c', '\\r', '\\n', '\\u0000', '\\u00a0']) {
      const result = await review(`FROM busybox\nADD ["a${escape}http://127.0.0.1:9999/x", "/d/"]\n`);
      expect(result.problems[0]?.message, escape).toMatch(/^a word holds (a control character|a non-breaking space|a carriage return)/);
      expect(result.canonical).toBe('');
    }
    expect((await review('FROM busybox\nVOLUME ["a\\n#"]\nFROM busybox AS s\nFROM s\n')).problems[0]).toMatchObject({ line: 2 });
    // A tab is a blank every parser agrees on.
    expect((await review('FROM busybox\nCOPY ["a\\tb", "/d/"]\n')).canonical).toBe(`FROM ${id('a')}\nCOPY ["a'\\t'b","/d/"]\n`);
  });

  it('expands each ARG instruction as a whole in the environment it starts with, as the engine does', async () => {
    const result = await review('FROM busybox\nARG A=1 B=x$A\nWORKDIR /$B\n');
    expect(result.canonical).toBe(`FROM ${id('a')}\nARG A=1 B=x\${A}\nWORKDIR /x\n`);
  });
});
