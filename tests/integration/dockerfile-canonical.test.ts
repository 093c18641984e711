import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { reviewDockerfile, type BaseImage } from '../../sandbox-server/policy/dockerfile-review.ts';
import { formatReference } from '../../sandbox-server/scope/reference.ts';
import { buildOnEngine } from '../support/engine.ts';

/**
 * The canonical Dockerfile means what the learner's means. Each Dockerfile here, spelled the ways
 * real ones are (quotes, escapes, continuations, the backtick escape, old-style ENV, JSON forms),
 * is built twice straight on the engine: as written, and as the review re-emits it. The two
 * images must have the same configuration and the same history.
 */

const docker: Docker = connectEngine();
const built: string[] = [];
let busybox: BaseImage;

beforeAll(async () => {
  const info = await docker.getImage('busybox:latest').inspect();
  busybox = { id: info.Id, env: info.Config.Env ?? [], workingDir: info.Config.WorkingDir ?? '', onBuild: [] };
});

afterAll(async () => {
  for (const id of built.reverse()) await docker.getImage(id).remove({ noprune: false }).catch(() => undefined);
});

const files = { 'app.txt': 'hello\n', 'a b.txt': 'spaced\n', 'run.sh': '#!/bin/sh\necho run\n', dir: '', 'src/one.txt': '1\n', 'src/two.txt': '2\n' };
delete (files as Record<string, string>).dir;

async function canonicalOf(dockerfile: string): Promise<string> {
  const review = await reviewDockerfile(dockerfile, {
    lookup: {
      own: async () => undefined,
      catalogue: async (ref) => (formatReference(ref) === 'busybox:latest' ? busybox : undefined),
      available: () => ['busybox'],
    },
  });
  expect(review.problems, dockerfile).toEqual([]);
  return review.canonical;
}

/** What an image is, less what differs between any two builds (IDs, times, the FROM's spelling). */
async function meaning(id: string) {
  const image = await docker.getImage(id).inspect();
  const history = (await docker.getImage(id).history()) as { CreatedBy: string }[];
  const { Env, Labels, WorkingDir, User, Cmd, Entrypoint, ExposedPorts, Volumes, OnBuild, Healthcheck, StopSignal, Shell } = image.Config as Docker.ImageInspectInfo['Config'] & {
    Healthcheck?: unknown;
    StopSignal?: string;
    Shell?: string[];
  };
  return {
    config: { Env, Labels, WorkingDir, User, Cmd, Entrypoint, ExposedPorts, Volumes, OnBuild, Healthcheck, StopSignal, Shell },
    history: history.map((entry) => entry.CreatedBy.replace(/ONBUILD .*/, 'ONBUILD …')),
    layers: image.RootFS.Layers,
  };
}

async function expectSameMeaning(dockerfile: string): Promise<void> {
  const canonical = await canonicalOf(dockerfile);
  const original = await buildOnEngine(docker, dockerfile, files);
  const rewritten = await buildOnEngine(docker, canonical, files);
  expect(original.error, dockerfile).toBeUndefined();
  expect(rewritten.error, canonical).toBeUndefined();
  built.push(original.id!, rewritten.id!);
  const [a, b] = [await meaning(original.id!), await meaning(rewritten.id!)];
  expect(b, `${dockerfile}\n---- became ----\n${canonical}`).toEqual(a);
}

const dockerfiles: [string, string][] = [
  ['plain instructions', 'FROM busybox\nWORKDIR /app\nCOPY app.txt .\nENV GREETING=hello\nEXPOSE 8080\nCMD ["cat", "app.txt"]\n'],
  ['ENV in every spelling', 'FROM busybox\nENV A="quoted value" B=\'single $x\' C=\\$literal D=${A:-def} E=${UNSET:+x} F=${A:+set}\nENV OLD value with  two  spaces\nENV Q "old form in quotes"\n'],
  ['ENV sees only what came before the instruction', 'FROM busybox\nENV A=1\nENV A=2 B=$A\nENV C=${B}${A}\n'],
  ['LABEL keys with spaces and dots', 'FROM busybox\nLABEL "key with space"=v org.example.title="A title" empty=""\nLABEL old-form single word\n'],
  ['ARG defaults feed later instructions', 'ARG VERSION=1.0\nFROM busybox\nARG VERSION\nARG OTHER=x${VERSION}y\nENV V=$VERSION O=$OTHER\nLABEL v=${VERSION:-none}\n'],
  ['ARG shadowed by ENV', 'FROM busybox\nARG NAME=arg\nENV NAME=env\nENV SEEN=$NAME\n'],
  ['continuations, comments and blank lines inside', 'FROM busybox\nRUN echo one \\\n  # a comment\n\n    && echo two\nENV A=1 \\\n    B=2\nLABEL x=a\\\nb\n'],
  ['the backtick escape', '# escape=`\nFROM busybox\nENV P=C:\\path\\to Q=a`$b\nRUN echo one `\n    two\nLABEL k="a`"b"\n'],
  ['directives in other cases and spacing', '#  ESCAPE = \\\n# syntax=docker/dockerfile:1\nFROM busybox\nENV A=\\x\n'],
  ['CRLF line endings and a byte-order mark', '\uFEFFFROM busybox\r\nENV A=1\r\nCMD echo crlf\r\n'],
  ['JSON forms with escapes', 'FROM busybox\nENTRYPOINT ["/bin/echo", "a\\"b", "\\u0041", "tab\\there"]\nCMD ["x"] trailing text ignored\nSHELL ["/bin/sh", "-c"]\n'],
  ['shell forms kept verbatim', 'FROM busybox\nRUN echo "$HOME" \'$PATH\' \\$x > /out && cat /out\nCMD echo "hi there" && exit 0\nENTRYPOINT   echo   spaced   \n'],
  ['a shell form that looks like JSON but is not', 'FROM busybox\nRUN [ -d /bin ] && echo yes\nCMD [ "a" ] && echo b\n'],
  ['WORKDIR relative, absolute and from variables', 'FROM busybox\nWORKDIR /a\nWORKDIR b\nWORKDIR ../c\nENV D=/srv/app\nWORKDIR $D\nWORKDIR ${D}/sub\nWORKDIR //double//slash\n'],
  ['USER, STOPSIGNAL, VOLUME, EXPOSE with variables', 'FROM busybox\nENV U=nobody S=TERM P=9000\nUSER ${U:-root}\nSTOPSIGNAL SIG$S\nVOLUME /data\nVOLUME ["/json vol", "/b"]\nEXPOSE 80/tcp $P 443/udp\n'],
  ['COPY and ADD of local files, with flags', 'FROM busybox\nCOPY --chown=1:1 app.txt /x/\nADD app.txt /y\nCOPY ["a b.txt", "/spaced dir/"]\nCOPY src/ /src/\nCOPY src/*.txt /glob/\nCOPY run.sh /"quoted"-dest\n'],
  ['COPY from an earlier stage, by name and number', 'FROM busybox AS Build\nRUN echo made > /made\nFROM busybox\nCOPY --from=build /made /a\nCOPY --from=0 /made /b\nCOPY --from=BUILD /made /c\n'],
  ['ONBUILD triggers', 'FROM busybox\nONBUILD RUN echo child\nONBUILD COPY app.txt /from-child\nONBUILD ENV X=1\n'],
  ['HEALTHCHECK both ways', 'FROM busybox\nHEALTHCHECK --interval=5s --retries=3 CMD wget -q -O- localhost || exit 1\nHEALTHCHECK NONE\nHEALTHCHECK --timeout=2s CMD ["true"]\n'],
  ['MAINTAINER and lower-case keywords', 'from busybox\nmaintainer Someone <someone@example.com>\nenv a=1\nlabel b=2\nuser a b\ncmd ["sh"]\n'],
  ['variables with modifiers', 'FROM busybox\nENV A=set E=\nENV R1=${A:-d} R2=${E:-d} R3=${U:-d} R4=${A:+p} R5=${E:+p} R6=${U:+p} R7=${A?} R8=${A:?m}\n'],
  ['quotes inside words', 'FROM busybox\nENV A=a"b c"d B=\'it\'"\'"\'s\' C="a\\"b" D="\\$x" E="\\q"\n'],
  ['a heredoc body read as instructions', 'FROM busybox\nRUN <<CMD\nLABEL inside=heredoc\nCMD\n'],
  ['words that start with dashes', 'FROM busybox\nWORKDIR -- --dash\nENV A=--x\nCOPY -- app.txt /--dest\nRUN -- echo --not-a-flag\n'],
  ['special parameters and digits', 'FROM busybox\nENV A=$1 B=${2} C=$@ D=$$ E=$9x\n'],
  ['empty continuation and trailing backslash', 'FROM busybox\nENV A=1 \\\n\nB=2\nRUN echo a \\\n'],
];

/** Dockerfiles the engine refuses: the review must refuse them too, in the engine's words. */
const broken: string[] = [
  'FROM busybox\nECHO hi\n',
  'FROM busybox\nENV a\n',
  'FROM busybox\nRUN ["a", 1]\n',
  'FROM busybox\nCOPY --from x /a /b\n',
  'FROM busybox\nVOLUME /data ["/json vol"]\n',
  'FROM busybox\nCOPY app.txt "/quoted dest"\n',
  'FROM busybox\nWORKDIR ${x\n',
  'FROM busybox\nENV A=${B:?must be set}\n',
  'FROM busybox\nLABEL a\n',
  'FROM busybox AS 1x\n',
  'FROM busybox AS a\nFROM busybox AS a\n',
  'FROM busybox\nONBUILD ONBUILD RUN x\n',
  'FROM busybox\nSHELL sh -c\n',
  'FROM busybox\nHEALTHCHECK FOO\n',
  'FROM busybox\nARG =x\n',
  'FROM busybox\nEXPOSE\n',
  'FROM busybox\nCOPY --chown=1 --chown=2 app.txt /a\n',
  'FROM busybox\nENV --x a=b\n',
];

describe('a Dockerfile the engine would refuse is refused with the engine\'s message', () => {
  for (const dockerfile of broken) {
    it(dockerfile.split('\n')[1] ?? dockerfile, async () => {
      const review = await reviewDockerfile(dockerfile, {
        lookup: { own: async () => undefined, catalogue: async () => busybox, available: () => ['busybox'] },
      });
      const engine = await buildOnEngine(docker, dockerfile, files);
      if (engine.id) built.push(engine.id);
      expect(engine.error, dockerfile).toBeDefined();
      expect(review.problems, dockerfile).toHaveLength(1);
      expect(engine.error, dockerfile).toContain(review.problems[0]!.message);
    });
  }
});

describe('the canonical Dockerfile builds the same image as the learner\'s', () => {
  for (const [name, dockerfile] of dockerfiles) {
    it(name, async () => {
      await expectSameMeaning(dockerfile);
    });
  }
});
