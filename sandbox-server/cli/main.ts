import path from 'node:path';
import { parseArgs } from 'node:util';
import { courseFromEnv } from '../course/course.ts';
import { runClassCommand } from './class.ts';
import { buildCatalogue, listCatalogue } from './images.ts';
import { drain, printHaproxyConfig } from './hosts.ts';
import { checkLessons, LESSONS_USAGE, newLesson } from './lessons.ts';
import { serve } from './serve.ts';
import { runShell } from './shell.ts';
import { readEnvironment } from '../config/environment.ts';

const USAGE = `Usage: layerlab <command>

Commands:
  serve [--dev]                           Ready the Docker Engine and base images, build the site, then serve the
                                          course and the sandbox (npm start); --dev serves only the sandbox, for
                                          Astro's dev server (npm run dev)
  shell [--server URL] [--lesson ID] [--files DIR]
                                          A learner terminal from your shell; one command per line when piped
  images                                  The base-image catalogue: each image's size, source and whether it is present
  images build [NAME...] [--all] [--force] [--no-pull]
                                          Make catalogue images present (no NAME: those prepared at start; --all: every one)
  hosts haproxy [--bind ADDRESS:PORT] [--tls-cert PEM] [--preview-domain DOMAIN]
                --host NAME=HOST:PORT[,agent=PORT]...
                                          The HAProxy configuration for several hosts (docs/deploying.md)
  drain [--off]                           This host takes no new learners (its own stay), or takes them again
  lessons check [ID...] [--static] [--in-order]
                                          Prove lessons: a static pass (schema, MDX, quizzes, ports, images), then on
                                          the real engine each starter fails and each solution passes, and the whole
                                          course in order in one session (layerlab lessons --help)
  lessons new SLUG                        Write a new lesson folder (lesson.mdx, files/, solution/) to start from
  class create NAME                       Create a class on a running server; prints its code, join link and secret
  class export CODE [--format csv|json] [--table checks|commands]
                                          A class's results (or command history) to stdout
  class close CODE                        Close a class: its sessions end, its results stay
                                          (class commands: --server URL or LAYERLAB_URL, and the secret from
                                          --secret or LAYERLAB_CLASS_SECRET; docs/teaching.md)

Options for every command:
  --course DIR                            Serve or check the course in DIR (its lessons/, course.yml and catalogue.yml)
                                          instead of this repository's; the same as LAYERLAB_COURSE=DIR

Environment: PORT and HOST set the address (default 127.0.0.1:4321); see README.md for the sandbox limits.
`;

export async function main(argv: string[]): Promise<number> {
  const withCourse = takeCourseOption(argv);
  if (typeof withCourse === 'string') {
    process.stderr.write(`layerlab: ${withCourse}\n`);
    return 2;
  }
  const [command, ...rest] = withCourse;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { dev: { type: 'boolean' } } });
      return serve({ dev: values.dev ?? false });
    }
    case 'shell': {
      const { values } = parseArgs({
        args: rest,
        options: { server: { type: 'string' }, lesson: { type: 'string' }, files: { type: 'string' } },
      });
      const port = process.env.PORT ?? '4321';
      return runShell({
        server: values.server ?? process.env.LAYERLAB_URL ?? `http://127.0.0.1:${port}`,
        lessonId: values.lesson,
        filesDir: values.files,
      });
    }
    case 'images': {
      const [action, ...args] = rest;
      if (action === undefined) return listCatalogue();
      if (action !== 'build') {
        process.stderr.write('Usage: layerlab images | layerlab images build [NAME...] [--all] [--force] [--no-pull]\n');
        return 2;
      }
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { all: { type: 'boolean' }, force: { type: 'boolean' }, 'no-pull': { type: 'boolean' } },
      });
      return buildCatalogue({
        names: positionals,
        all: values.all ?? false,
        force: values.force ?? false,
        pull: !(values['no-pull'] ?? false) && (readEnvironment(process.env).LAYERLAB_PULL ?? true),
      });
    }
    case 'hosts': {
      const [action, ...args] = rest;
      if (action === 'haproxy') return printHaproxyConfig(args);
      process.stderr.write('Usage: layerlab hosts haproxy [--bind ADDRESS:PORT] [--tls-cert PEM] [--preview-domain DOMAIN] --host NAME=HOST:PORT[,agent=PORT]...\n');
      return 2;
    }
    case 'drain':
      return drain(rest);
    case 'lessons': {
      const [action, ...args] = rest;
      if (action === 'check') return checkLessons(args);
      if (action === 'new') return args.includes('--help') || args.includes('-h') ? (process.stdout.write(LESSONS_USAGE), 0) : newLesson(args[0]);
      if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
        process.stdout.write(LESSONS_USAGE);
        return action === undefined ? 2 : 0;
      }
      process.stderr.write(`layerlab lessons: unknown action "${action}"\n\n${LESSONS_USAGE}`);
      return 2;
    }
    case 'class':
      return runClassCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`layerlab: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/**
 * `--course DIR` anywhere on the line: the course every command works on. It goes into the
 * environment, where the server's config and the site's build (a child process) both read it.
 * Returns the other arguments, or a sentence saying what is wrong.
 */
function takeCourseOption(argv: string[]): string[] | string {
  const rest: string[] = [];
  let given = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument !== '--course' && !argument.startsWith('--course=')) {
      rest.push(argument);
      continue;
    }
    const folder = argument === '--course' ? argv[++index] : argument.slice('--course='.length);
    if (!folder || folder.startsWith('-')) return '--course needs a folder: layerlab serve --course ../my-course';
    if (given) return '--course is given twice; give one course';
    given = true;
    process.env.LAYERLAB_COURSE = path.resolve(folder);
    // The lessons are the course's own: a LAYERLAB_LESSONS_DIR from the shell would serve others.
    delete process.env.LAYERLAB_LESSONS_DIR;
    try {
      courseFromEnv(process.env, '--course');
    } catch (error) {
      return (error as Error).message;
    }
  }
  return rest;
}
