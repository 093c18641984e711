import { defineConfig } from 'vitest/config';

/**
 * Integration files that can't share the engine with another file, so they run one at a time after
 * the rest: engine-restart stops dockerd; images removes and restores catalogue tags every build
 * uses; reaper sweeps objects of any instance (expired ones, a stopped server's), which another
 * file's reaper would race it for; resource-bombs and network-pool (forty workbenches) load the
 * whole machine, which would slow a neighbour past its timeouts; two-engines starts a second dockerd;
 * machine-faults fills the disk past every server's watermark.
 */
const ALONE = ['engine-restart', 'images', 'reaper', 'resource-bombs', 'network-pool', 'two-engines', 'machine-faults'].map((name) => `tests/integration/${name}.test.ts`);

const integration = {
  testTimeout: 120_000,
  hookTimeout: 300_000,
};

// Integration tests share one Docker Engine on a 2-core machine: every other file gets its own
// sandbox instance, so two run at a time (each waits on the engine most of the time); the files
// above then run alone. Groups run in order: unit, integration, integration-alone.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          ...integration,
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: ALONE,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...integration,
          name: 'integration-alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
