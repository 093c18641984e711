import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AstroError } from 'astro/errors';
import type { Loader, LoaderContext } from 'astro/loaders';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { courseFromEnv } from '../../sandbox-server/course/course.ts';
import { LessonError, lessonFolderNames, readLessonFolder } from '../../sandbox-server/lessons/folder.ts';
import { duplicateOrders, lessonFromFolder, splitFrontmatter } from '../../sandbox-server/lessons/library.ts';

/** The course's lessons (LAYERLAB_COURSE, LAYERLAB_LESSONS_DIR), as the sandbox server finds them, so both always load the same lessons. */
export function lessonsDirectory(): string {
  return courseFromEnv(process.env).lessonsDir;
}

/**
 * The lessons collection: one entry per lesson folder (lessons/<id>/, folders starting with _ are
 * drafts, as for the server), read by the server's own folder reader so both hold a lesson's files
 * to the same rules. The entry is lesson.mdx, rendered as MDX by Astro's MDX integration; its data is the frontmatter plus the
 * files/ and solution/ workspaces. A lesson that breaks the contract stops the build with the
 * server's own sentences ("lessons/01-x/lesson.mdx: checks.0.port: …"), not Astro's generic "data
 * does not match collection schema". In `astro dev`, a save anywhere in a lesson folder (its
 * lesson.mdx or any file in files/ or solution/) reloads that lesson.
 */
export function lessonLoader(): Loader {
  return {
    name: 'layerlab-lessons',
    load: async (context: LoaderContext) => {
      const directory = lessonsDirectory();
      const caps = policyFromEnv().build;

      const sync = async (id: string) => {
        const folder = readLessonFolder(path.join(directory, id), caps);
        // The server's own frontmatter parser and rules, so the site and the sandbox read the same lessons.
        const lesson = lessonFromFolder(folder);
        const { body } = splitFrontmatter(folder.text, folder.file);
        const filePath = path.relative(fileURLToPath(context.config.root), folder.file).split(path.sep).join('/');
        // The path is part of the digest: the same lesson in another folder (another course, a
        // copy) is another entry, whose render must import its own lesson.mdx.
        const digest = context.generateDigest(JSON.stringify([filePath, folder.text, folder.files, folder.solution]));
        const existing = context.store.get(id);
        if (existing?.digest === digest) {
          // Unchanged since the last run; the content module still needs to be known to this one.
          context.store.addModuleImport(filePath);
          return lesson;
        }
        const parsed = await context.parseData({ id, data: { ...lesson.frontmatter, files: folder.files, solution: folder.solution }, filePath: folder.file });
        context.store.set({ id, data: parsed, body, filePath, digest, deferredRender: true });
        return lesson;
      };

      const ids = lessonFolderNames(directory);
      try {
        const lessons = [];
        for (const id of ids) lessons.push(await sync(id));
        const orders = duplicateOrders(lessons);
        if (orders.length > 0) throw new LessonError(orders.join('\n'));
      } catch (error) {
        throw error instanceof LessonError ? lessonError(error.message) : error;
      }
      for (const id of context.store.keys()) if (!ids.includes(id)) context.store.delete(id);

      const watcher = context.watcher;
      if (!watcher) return;
      watcher.add(directory);
      const onChange = async (changed: string) => {
        const relative = path.relative(directory, changed);
        const [id, ...rest] = relative.split(path.sep);
        if (!id || id.startsWith('..') || id.startsWith('_') || path.isAbsolute(relative) || rest.length === 0) return;
        try {
          if (!lessonFolderNames(directory).includes(id)) context.store.delete(id);
          else await sync(id);
          context.logger.info(`Reloaded lesson ${id}`);
        } catch (error) {
          // The entry keeps the last good version so the route stays; the page itself checks its
          // folder again in dev (lesson-dev-check.ts) and shows this error in Astro's overlay.
          context.logger.error((error as Error).message);
        }
      };
      watcher.on('change', onChange);
      watcher.on('add', onChange);
      watcher.on('unlink', onChange);
      watcher.on('unlinkDir', onChange);
    },
  };
}

/** Shown by Astro as "[LessonError] lessons/x/lesson.mdx: field: what is wrong", without a stack trace. */
export function lessonError(sentences: string): Error {
  const error = new AstroError(
    sentences,
    'Each line names the lesson file and the frontmatter field or the workspace file; docs/authoring.md describes a lesson folder and every field.',
  );
  error.name = 'LessonError';
  // The stack would point into this loader, which is not where the mistake is.
  error.stack = '';
  return error;
}

