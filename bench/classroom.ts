import { Learner } from '../tests/support/sandbox.ts';
import type { Section } from './report.ts';
import { median, ms, percentile, timed } from './stats.ts';

const LESSON = {
  Dockerfile: 'FROM busybox\nWORKDIR /app\nCOPY greeting.txt .\nRUN wc -c greeting.txt > size.txt\nCMD ["cat", "greeting.txt", "size.txt"]\n',
};

/**
 * A classroom at once: every learner opens a session, builds a lesson image and runs it, all at the
 * same moment, as when an instructor says "now press Build". Builds queue for the machine's cores.
 */
export async function measureClassroom(url: string, learners: number): Promise<Section> {
  const memoryBefore = process.memoryUsage().rss;
  const sessions = await Promise.all(
    Array.from({ length: learners }, (_, index) =>
      Learner.open(url, { ...LESSON, 'greeting.txt': `hello from learner ${index + 1}\n` }),
    ),
  );
  const failures: string[] = [];
  const times: number[] = [];
  const wall = await timed(() =>
    Promise.all(
      sessions.map(async (learner, index) => {
        times.push(
          await timed(async () => {
            const build = await learner.run('docker build -t lesson .');
            const run = await learner.run('docker run --rm lesson');
            if (build.exitCode !== 0) failures.push(`build ${index + 1}: ${build.output.split('\n').at(-2)}`);
            if (run.exitCode !== 0 || !run.output.includes(`learner ${index + 1}`)) failures.push(`run ${index + 1}: ${run.output}`);
          }),
        );
      }),
    ),
  );
  for (const learner of sessions) learner.disconnect();
  const memoryAfter = process.memoryUsage().rss;
  return {
    title: `${learners} learners at once`,
    method: `${learners} sessions each build a small lesson image (busybox, WORKDIR, COPY, RUN, CMD) and run it with --rm, all started together through their own terminal sockets; builds share ${'the machine\'s cores'} through the build queue. Memory is the resident size of the process holding the server (and the ${learners} test clients).`,
    rows: [
      { measure: 'learners whose build and run both succeeded', value: `${learners - failures.length} of ${learners}`, budget: 'all', withinBudget: failures.length === 0 },
      { measure: 'build + run per learner, median', value: ms(median(times)) },
      { measure: 'build + run per learner, slowest', value: ms(percentile(times, 100)) },
      { measure: 'whole class, wall time', value: ms(wall) },
      { measure: 'server process memory before → after', value: `${(memoryBefore / 1024 ** 2).toFixed(0)} MiB → ${(memoryAfter / 1024 ** 2).toFixed(0)} MiB`, budget: 'bounded', withinBudget: memoryAfter - memoryBefore < 256 * 1024 ** 2 },
      ...(failures.length > 0 ? [{ measure: 'first failure', value: failures[0]!.replace(/\|/g, '\\|').slice(0, 200) }] : []),
    ],
  };
}
