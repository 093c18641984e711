import { describe, expect, it } from 'vitest';
import { lintDockerfile } from '../../src/lib/dockerfile-lint.ts';

const rules = (text: string) => lintDockerfile(text).map((finding) => finding.rule);

describe('lintDockerfile', () => {
  const cases: [rule: string, fires: string, quiet: string][] = [
    ['untagged-base', 'FROM busybox\n', 'FROM busybox:1.36\n'],
    ['latest-base', 'FROM nginx:latest\n', 'FROM nginx:1.22\n'],
    ['apt-update-alone', 'FROM debian:12\nRUN apt-get update\n', 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n'],
    ['apt-recommends', 'FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n', 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n'],
    ['apt-lists', 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n', 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n'],
    ['add-for-copy', 'FROM busybox:1.36\nADD app.py /app/\n', 'FROM busybox:1.36\nADD site.tar.gz /srv/\n'],
    ['relative-workdir', 'FROM busybox:1.36\nWORKDIR app\n', 'FROM busybox:1.36\nWORKDIR /app\n'],
    ['cd-in-run', 'FROM busybox:1.36\nRUN cd /tmp && touch x\n', 'FROM busybox:1.36\nWORKDIR /tmp\nRUN touch x\n'],
    ['shell-form', 'FROM busybox:1.36\nCMD echo hi\n', 'FROM busybox:1.36\nCMD ["echo", "hi"]\n'],
    ['invalid-exec-form', 'FROM busybox:1.36\nCMD ["echo", "hi]\n', 'FROM busybox:1.36\nCMD ["echo", "hi"]\n'],
    ['consecutive-run', 'FROM busybox:1.36\nRUN touch a\nRUN touch b\n', 'FROM busybox:1.36\nRUN touch a && touch b\n'],
    ['root-user', 'FROM busybox:1.36\nUSER 65534\nUSER root\n', 'FROM busybox:1.36\nUSER root\nRUN touch /x\nUSER 65534\n'],
    ['secret', 'FROM busybox:1.36\nENV DB_PASSWORD=hunter2\n', 'FROM busybox:1.36\nENV GREETING=hello\n'],
  ];
  for (const [rule, fires, quiet] of cases) {
    it(`${rule} fires, and keeps quiet when it is done right`, () => {
      expect(rules(fires)).toContain(rule);
      expect(rules(quiet)).not.toContain(rule);
    });
  }

  it('flags a stray quote after the last item, and ENTRYPOINT too', () => {
    expect(rules('FROM busybox:1.36\nCMD ["echo", "hi""]\n')).toContain('invalid-exec-form');
    expect(rules('FROM busybox:1.36\nENTRYPOINT ["echo" "hi"]\n')).toContain('invalid-exec-form');
    expect(rules('FROM busybox:1.36\nENTRYPOINT node app.js\n')).toContain('shell-form');
  });

  it('finds secrets in ARG and in any ENV pair', () => {
    expect(rules('ARG API_KEY\nFROM busybox:1.36\n')).toContain('secret');
    expect(rules('FROM busybox:1.36\nENV A=1 GITHUB_TOKEN=x\n')).toContain('secret');
  });

  it('leaves earlier stages, scratch and variables alone', () => {
    expect(rules('FROM node:18-slim AS build\nFROM build\n')).toEqual([]);
    expect(rules('FROM scratch\n')).toEqual([]);
    expect(rules('ARG BASE=busybox:1.36\nFROM $BASE\n')).toEqual([]);
  });

  it('gives a 1-based range and a lesson with each finding', () => {
    const [finding] = lintDockerfile('FROM nginx:latest\n');
    expect(finding).toMatchObject({ rule: 'latest-base', severity: 'warning', lesson: '12-best-practices', startLine: 1, startColumn: 6, endLine: 1, endColumn: 18 });
  });

  it('reads an empty or broken file without throwing', () => {
    expect(lintDockerfile('')).toEqual([]);
    expect(() => lintDockerfile('CMD [\n\\\n')).not.toThrow();
  });
});
