/**
 * `npm run bench`: the performance budgets of PRODUCT.md, measured in one run on this machine,
 * sandbox and docker CLI interleaved so drift hits both alike. Prints a Markdown report and writes
 * it to docs/benchmarks.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverConfigFromEnv, PROJECT_ROOT } from '../sandbox-server/config/server.ts';
import { prepareEngine } from '../sandbox-server/engine/prepare.ts';
import { createLogger } from '../sandbox-server/log.ts';
import { startServer } from '../sandbox-server/server.ts';
import { Learner } from '../tests/support/sandbox.ts';
import { measureBuildAndRun } from './overhead.ts';
import { measureBoundary } from './boundary.ts';
import { measureCachedRebuild } from './rebuild.ts';
import { measureKeystrokeEcho } from './keystrokes.ts';
import { measureClassroom } from './classroom.ts';
import { measurePageWeight } from './page-weight.ts';
import { measureWorkbench } from './workbench.ts';
import { ensureSite } from '../sandbox-server/cli/site-build.ts';
import type { Section } from './report.ts';
import { renderReport, replaceSections } from './report.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
// BENCH_ONLY=boundary,workbench measures only those sections and prints them; a whole run writes
// docs/benchmarks.md, so the file holds figures from one run. BENCH_ONLY=classroom is the exception:
// its sizes come from one run of their own, and it replaces just its sections, marked as such.
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const want = (section: string) => !only || only.has(section);
// Every simulated learner connects from 127.0.0.1, one address, as a class behind one NAT would:
// the per-address caps are lifted so the bench measures the host, not the caps.
const env = {
  LAYERLAB_SESSIONS_PER_ADDRESS: '1000',
  LAYERLAB_SESSIONS_PER_ADDRESS_PER_HOUR: '10000',
  LAYERLAB_BUILDS_PER_ADDRESS: String(os.availableParallelism()),
  ...process.env,
  PORT: '0',
  LAYERLAB_INSTANCE: `bench-${process.pid}`,
  LAYERLAB_STATE_DIR: path.join(os.tmpdir(), `layerlab-bench-${process.pid}`),
};
const config = serverConfigFromEnv(env);
const docker = await prepareEngine(config, (line) => console.error(`setup: ${line}`));
const sections: Section[] = [];
if (want('pages')) {
  // Only the page weights read the built site; the timings go through the API and sockets.
  await ensureSite(config.siteDir, config.course, (line) => console.error(`setup: ${line}`));
  console.error('measuring each page\'s eager JavaScript…');
  sections.push(measurePageWeight(config.siteDir));
}
const server = await startServer(config, docker, createLogger('silent'));
try {
  const learner = await Learner.open(server.url);
  if (want('overhead')) {
    console.error('measuring build and run --rm against the docker CLI…');
    sections.push(...(await measureBuildAndRun(docker, learner, rounds)));
  }
  if (want('boundary')) {
    console.error('measuring the docker CLI through the Engine API boundary against the engine…');
    sections.push(await measureBoundary(server, docker, await Learner.open(server.url), rounds));
  }
  if (want('rebuild')) {
    console.error('measuring a cached rebuild of a lesson…');
    sections.push(await measureCachedRebuild(learner, rounds * 2));
  }
  if (want('exec-echo')) {
    console.error('measuring keystroke echo through docker exec -it in the workbench…');
    sections.push(await measureKeystrokeEcho(learner, 300));
  }
  if (want('workbench')) {
    console.error('measuring the workbench: prompt echo, session ready, memory per session…');
    sections.push(await measureWorkbench(server, docker, { keystrokes: 300, sessions: rounds, manySessions: Number(process.env.BENCH_IDLE_SESSIONS ?? 50) }));
  }
  if (want('classroom')) {
    const sizes = (process.env.BENCH_LEARNERS ?? '20,50,100').split(',').map(Number);
    if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`BENCH_LEARNERS: "${process.env.BENCH_LEARNERS}" is not a list of class sizes like 20,50,100`);
    sections.push(...(await measureClassroom(docker, env, sizes, (line) => console.error(line))));
  }
} finally {
  for (const session of server.context.store.all()) server.context.store.delete(session);
  await server.reaper.sweep();
  await server.close({ forget: true });
}

const report = renderReport(sections, { rounds, cpus: os.availableParallelism(), node: process.version });
process.stdout.write(report);
const reportFile = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
if (!only) writeFileSync(reportFile, report);
else if (only.size === 1 && only.has('classroom')) {
  const how = `Measured on its own at ${new Date().toISOString()} with \`BENCH_ONLY=classroom BENCH_LEARNERS=${process.env.BENCH_LEARNERS ?? '20,50,100'} npm run bench\`, after the run above.`;
  writeFileSync(reportFile, replaceSections(readFileSync(reportFile, 'utf8'), sections, how));
}
