/**
 * Best-practice advice on a Dockerfile, in the manner of hadolint: each finding says in one line
 * why, and names the lesson that teaches it. Pure (text in, findings out) so that the editor shows
 * it as markers and unit tests prove each rule. Nothing here refuses a build: the sandbox's own
 * refusals come from the server's review (sandbox-server/policy/dockerfile-review.ts).
 */
import { DockerfileParser, type Arg, type Env, type From, type Instruction } from 'dockerfile-ast';

export interface LintFinding {
  rule: string;
  severity: 'warning' | 'info';
  message: string;
  /** The lesson id (/lessons/<id>/) that teaches it. */
  lesson: string;
  /** 1-based, as Monaco counts. */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

const LESSONS = {
  tags: '12-best-practices',
  layers: '07-layers-and-the-build-cache',
  instructions: '05-writing-a-dockerfile',
  execForm: '01-your-first-image',
  small: '12-best-practices',
  user: '12-best-practices',
  secrets: '12-best-practices',
} as const;

const ARCHIVE_SUFFIXES = ['.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tar.xz', '.txz', '.gz', '.bz2', '.xz'];
const SECRET_WORDS = ['PASSWORD', 'PASSWD', 'SECRET', 'TOKEN', 'API_KEY', 'APIKEY', 'PRIVATE_KEY', 'ACCESS_KEY'];
const SEPARATORS = new Set(['&&', '||', ';', '|']);

export function lintDockerfile(text: string): LintFinding[] {
  const findings: LintFinding[] = [];
  const dockerfile = DockerfileParser.parse(text);
  const add = (rule: string, severity: LintFinding['severity'], message: string, lesson: string, range: LspRange) =>
    findings.push({
      rule,
      severity,
      message,
      lesson,
      startLine: range.start.line + 1,
      startColumn: range.start.character + 1,
      endLine: range.end.line + 1,
      endColumn: range.end.character + 1,
    });

  const stages = new Set<string>();
  let previous: Instruction | undefined;
  let lastUser: { value: string; range: LspRange } | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const range = instruction.getRange();
    const content = instruction.getArgumentsContent() ?? '';
    switch (keyword) {
      case 'FROM': {
        const from = instruction as From;
        const image = from.getImage() ?? '';
        const name = from.getImageName() ?? '';
        const imageRange = from.getImageRange() ?? range;
        if (image && !image.includes('$') && image !== 'scratch' && !stages.has(image.toLowerCase()) && !from.getImageDigest()) {
          const tag = from.getImageTag();
          if (!tag) add('untagged-base', 'warning', `${image} means ${name}:latest, which can change under you; name a version, like ${name}:1.2`, LESSONS.tags, imageRange);
          else if (tag === 'latest') add('latest-base', 'warning', `:latest can change under you between builds; name a version`, LESSONS.tags, imageRange);
        }
        const stage = from.getBuildStage();
        if (stage) stages.add(stage.toLowerCase());
        lastUser = undefined;
        break;
      }
      case 'RUN': {
        const words = content.split(/\s+/).filter(Boolean);
        const commands = commandsOf(words);
        const aptUpdate = commands.some((command) => aptVerb(command) === 'update');
        const installs = commands.filter((command) => aptVerb(command) === 'install');
        if (aptUpdate && installs.length === 0) {
          add('apt-update-alone', 'warning', 'apt-get update alone is cached as its own layer, so a later install reads stale lists; run it in the same RUN as apt-get install', LESSONS.layers, range);
        }
        if (installs.some((command) => !command.includes('--no-install-recommends'))) {
          add('apt-recommends', 'info', 'apt-get install without --no-install-recommends also installs packages you did not ask for; add it to keep the image small', LESSONS.small, range);
        }
        if (installs.length > 0 && !content.includes('rm -rf /var/lib/apt/lists/')) {
          add('apt-lists', 'info', 'the package lists stay in this layer; end the RUN with && rm -rf /var/lib/apt/lists/*', LESSONS.small, range);
        }
        if (commands.some((command) => command[0] === 'cd')) {
          add('cd-in-run', 'info', 'cd lasts only for this RUN; use WORKDIR to set the folder for the instructions after it', LESSONS.instructions, range);
        }
        if (previous?.getKeyword() === 'RUN') {
          add('consecutive-run', 'info', 'each RUN adds a layer; consecutive RUNs can usually be one, joined with &&', LESSONS.layers, range);
        }
        break;
      }
      case 'ADD': {
        const sources = instruction.getArguments().slice(0, -1).filter((argument) => !argument.getValue().startsWith('--'));
        const plain = sources.every((source) => {
          const value = source.getValue().toLowerCase();
          return !value.includes('://') && !ARCHIVE_SUFFIXES.some((suffix) => value.endsWith(suffix));
        });
        if (sources.length > 0 && plain) add('add-for-copy', 'info', 'COPY does the same for plain files, without ADD\'s URL and unpacking surprises; use COPY', LESSONS.instructions, instruction.getInstructionRange());
        break;
      }
      case 'WORKDIR': {
        const value = content.trim();
        if (value && !value.startsWith('/') && !value.startsWith('$')) {
          add('relative-workdir', 'warning', `WORKDIR ${value} depends on the folder before it; write an absolute path, like /${value}`, LESSONS.instructions, range);
        }
        break;
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        const value = content.trim();
        if (!value.startsWith('[')) {
          add('shell-form', 'info', `${keyword} in shell form runs under /bin/sh, which doesn't pass on signals like docker stop's; write the exec form, ${keyword} ["program", "arg"]`, LESSONS.execForm, range);
        } else if (!isStringArray(value)) {
          add('invalid-exec-form', 'warning', `this isn't valid JSON, so Docker runs it as a shell command instead; every item needs "double quotes" and a comma between them`, LESSONS.execForm, range);
        }
        break;
      }
      case 'USER':
        lastUser = { value: content.trim(), range };
        break;
      case 'ENV':
      case 'ARG': {
        const properties = keyword === 'ENV' ? (instruction as Env).getProperties() : [(instruction as Arg).getProperty()].filter((property) => property !== null);
        for (const property of properties) {
          const name = property.getName().toUpperCase();
          if (SECRET_WORDS.some((word) => name.includes(word))) {
            add('secret', 'warning', `${property.getName()} looks like a secret, and ${keyword} values stay readable in the image (docker history, docker inspect); pass secrets at run time instead`, LESSONS.secrets, property.getNameRange());
          }
        }
        break;
      }
    }
    previous = instruction;
  }
  if (lastUser && (lastUser.value === 'root' || lastUser.value === '0' || lastUser.value.startsWith('root:') || lastUser.value.startsWith('0:'))) {
    add('root-user', 'warning', 'the container runs as root; switch to an unprivileged user last, like USER 65534', LESSONS.user, lastUser.range);
  }
  return findings;
}

/** The simple commands of a RUN's words, split at &&, ||, ; and |. */
function commandsOf(words: string[]): string[][] {
  const commands: string[][] = [[]];
  for (const word of words) {
    if (SEPARATORS.has(word)) commands.push([]);
    else if (word.endsWith(';')) {
      commands.at(-1)!.push(word.slice(0, -1));
      commands.push([]);
    } else commands.at(-1)!.push(word);
  }
  return commands.filter((command) => command.length > 0);
}

/** "update" for `apt-get -y update`, "install" for `apt-get install -y x`; apt counts too. */
function aptVerb(command: string[]): string | undefined {
  const start = command.findIndex((word) => word === 'apt-get' || word === 'apt');
  if (start < 0) return undefined;
  return command.slice(start + 1).find((word) => !word.startsWith('-'));
}

function isStringArray(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}
