import { parseArgs } from 'node:util';
import { buildCatalogue, listCatalogue } from './images.ts';
import { checkLessons, newLesson } from './lessons.ts';
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
  lessons check [ID...]                   Prove on the real engine that each lesson's solution passes its checks
  lessons new SLUG                        Write a new lesson folder (lesson.mdx, files/, solution/) to start from

Environment: PORT and HOST set the address (default 127.0.0.1:4321); see README.md for the sandbox limits.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
    case 'lessons': {
      const [action, ...args] = rest;
      if (action === 'check') return checkLessons(args);
      if (action === 'new') return newLesson(args[0]);
      process.stderr.write('Usage: layerlab lessons check [ID...] | layerlab lessons new SLUG\n');
      return 2;
    }
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
