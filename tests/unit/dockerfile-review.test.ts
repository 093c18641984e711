import { describe, expect, it } from 'vitest';
import { reviewDockerfile, type BaseImageLookup } from '../../sandbox-server/policy/dockerfile-review.ts';
import { formatReference, type ImageReference } from '../../sandbox-server/scope/reference.ts';

const lookup: BaseImageLookup = {
  isOwn: (ref) => formatReference(ref) === 'hello:latest',
  isCatalogue: (ref) => ['busybox:latest', 'node:18-slim'].includes(formatReference(ref)),
  available: () => ['busybox:latest', 'node:18-slim', 'hello:latest (yours)'],
};
const qualify = (ref: ImageReference) => `ll-ns/${ref.path}${ref.tag ? `:${ref.tag}` : ''}`;
const review = (text: string, files: Record<string, string> = {}) => reviewDockerfile(text, lookup, qualify, files);
const messages = (text: string, files?: Record<string, string>) => review(text, files).problems.map((p) => `${p.line}: ${p.message}`);

describe('reviewDockerfile', () => {
  it('namespaces base images in place, keeping the learner\'s text', () => {
    const result = review('FROM busybox\nCMD ["echo","hi"]\n');
    expect(result.problems).toEqual([]);
    expect(result.rewritten).toBe('FROM ll-ns/busybox\nCMD ["echo","hi"]\n');
    expect(result.catalogueImages.map((ref) => formatReference(ref))).toEqual(['busybox:latest']);
  });

  it('accepts own images, scratch and earlier stages', () => {
    const result = review('FROM node:18-slim AS build\nRUN true\nFROM hello\nCOPY --from=build /a /a\nFROM scratch\nCOPY --from=0 /a /a\n');
    expect(result.problems).toEqual([]);
    expect(result.rewritten).toContain('FROM ll-ns/node:18-slim AS build');
    expect(result.rewritten).toContain('FROM ll-ns/hello\n');
    expect(result.rewritten).toContain('FROM scratch');
    expect(result.catalogueImages.map((ref) => formatReference(ref))).toEqual(['node:18-slim']);
  });

  it('refuses base images outside the catalogue, listing what is available', () => {
    expect(messages('FROM python:3.12\n')).toEqual([
      "1: FROM python:3.12: this image isn't available here; you can build FROM busybox:latest, node:18-slim, hello:latest (yours), or an earlier stage",
    ]);
    expect(messages('FROM $BASE\n')[0]).toMatch(/variables aren't allowed in FROM/);
    expect(messages('FROM busybox@sha256:' + 'a'.repeat(64) + '\n')[0]).toMatch(/pinning by digest/);
    expect(messages('FROM quay.io/x/y\n')[0]).toMatch(/can't reach the registry quay.io/);
    expect(messages('FROM --platform=linux/arm64 busybox\n')[0]).toMatch(/--platform/);
  });

  it('refuses ADD of URLs, also inside ONBUILD and in JSON form', () => {
    expect(messages('FROM busybox\nADD http://169.254.169.254/latest /x\n')[0]).toMatch(/^2: ADD can't download http:\/\/169.254.169.254\/latest/);
    expect(messages('FROM busybox\nADD ["https://example.com/a", "/a"]\n')[0]).toMatch(/ADD can't download https:\/\/example.com\/a/);
    expect(messages('FROM busybox\nONBUILD ADD http://x/y /z\n')[0]).toMatch(/^2: ADD can't download/);
    expect(messages('FROM busybox\nADD git@github.com:a/b.git /b\n')[0]).toMatch(/ADD can't download/);
    expect(messages('FROM busybox\nADD app.txt /app.txt\n')).toEqual([]);
  });

  it('reads ADD sources as the engine does: quotes only group, variables could hold a URL', () => {
    expect(messages('FROM busybox\nADD "http://127.0.0.1:2375/x" /x\n')[0]).toMatch(/^2: ADD can't download http:\/\/127.0.0.1:2375\/x/);
    expect(messages("FROM busybox\nADD 'http'://127.0.0.1/x /x\n")[0]).toMatch(/ADD can't download http:\/\/127.0.0.1\/x/);
    expect(messages('FROM busybox\nENV U=http://127.0.0.1/x\nADD $U /x\n')[0]).toMatch(/^3: ADD \$U: variables aren't allowed in ADD sources/);
    expect(messages('FROM busybox\nADD ${U:-http://x} /x\n')[0]).toMatch(/variables aren't allowed in ADD sources/);
    expect(messages('FROM busybox\nONBUILD ADD $U /x\n')[0]).toMatch(/variables aren't allowed in ADD sources/);
  });

  it('refuses --from inside ONBUILD: the trigger runs in a later build with other stages', () => {
    expect(messages('FROM busybox AS base\nFROM busybox\nONBUILD COPY --from=base /a /a\n')).toEqual([
      "3: ONBUILD COPY --from isn't allowed: the trigger runs in a later build, where --from could name any image",
    ]);
  });

  it('refuses ADD when the workspace holds an archive dockerd would unpack', () => {
    const tar = `${'x'.repeat(257)}ustar${'\0'.repeat(10)}`;
    expect(messages('FROM busybox\nADD bundle.tar /app/\n', { 'bundle.tar': tar })[0]).toMatch(/unpack the archive/);
    expect(messages('FROM busybox\nCOPY bundle.tar /app/\n', { 'bundle.tar': tar })).toEqual([]);
    expect(messages('FROM busybox\nADD notes.txt /n\n', { 'notes.txt': 'BZh is fine in text' })).toEqual([]);
  });

  it('allows COPY --from only for earlier stages', () => {
    expect(messages('FROM busybox\nCOPY --from=busybox /bin/sh /sh\n')[0]).toMatch(/--from must name an earlier build stage/);
    expect(messages('FROM busybox AS a\nCOPY --from=a /x /x\n')[0]).toMatch(/--from must name an earlier build stage/);
    expect(messages('FROM busybox\nCOPY --from=1 /x /x\n')[0]).toMatch(/--from must name an earlier build stage/);
  });

  it('refuses WORKDIR under /proc, however it is spelled', () => {
    expect(messages('FROM busybox\nWORKDIR /proc/self/fd/7\n')[0]).toMatch(/^2: WORKDIR \/proc\/self\/fd\/7 isn't allowed/);
    expect(messages('FROM busybox\nENV D=/proc\nWORKDIR $D/self\n')[0]).toMatch(/^3: WORKDIR \/proc\/self isn't allowed/);
    expect(messages('FROM busybox\nWORKDIR /\nWORKDIR proc\n')[0]).toMatch(/WORKDIR proc isn't allowed/);
    expect(messages('FROM busybox\nWORKDIR /processes\n')).toEqual([]);
    expect(messages('FROM busybox\nWORKDIR "/proc/self"\n')[0]).toMatch(/^2: WORKDIR \/proc\/self isn't allowed/);
    expect(messages("FROM busybox\nWORKDIR '/pr'oc\n")[0]).toMatch(/^2: WORKDIR \/proc isn't allowed/);
    // The parser expands ${D:+/proc} to "x" where the engine gives /proc; unknown variables come from the base image.
    expect(messages('FROM busybox\nENV D=x\nWORKDIR ${D:+/proc}\n')[0]).toMatch(/^3: WORKDIR \$\{D:\+\/proc\}: variables aren't allowed in WORKDIR/);
    expect(messages('FROM hello\nWORKDIR $FROM_BASE/fd\n')[0]).toMatch(/variables aren't allowed in WORKDIR/);
    // A trigger runs from the child's working directory, unknown here: it is checked from "/".
    expect(messages('FROM busybox\nWORKDIR /a/b/c\nONBUILD WORKDIR ../../../proc\n')[0]).toMatch(/^3: WORKDIR \.\.\/\.\.\/\.\.\/proc isn't allowed/);
  });

  it('refuses BuildKit-only RUN flags and notes ignored syntax directives', () => {
    expect(messages('FROM busybox\nRUN --mount=type=cache,target=/x true\n')[0]).toMatch(/RUN --mount needs BuildKit/);
    const result = review('# syntax=docker/dockerfile:1\nFROM busybox\n');
    expect(result.problems).toEqual([]);
    expect(result.notes[0]).toMatch(/ignored: this sandbox builds with the classic builder/);
  });
});
