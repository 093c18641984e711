import { describe, expect, it } from 'vitest';
import { runcVerdict } from '../../sandbox-server/engine/runc-check.ts';

describe('the runc verdict', () => {
  it('passes an engine on which no probe container could start', () => {
    const probes = [7, 8].map((descriptor) => ({ descriptor, started: false, message: `mkdir /proc/self/fd/${descriptor}: not a directory` }));
    expect(runcVerdict(probes, '1.1.5+ds1-1+deb12u1')).toBeUndefined();
  });

  it('does not take a probe that failed for another reason as proof', () => {
    const probes = [{ descriptor: 7, started: false, message: 'No such image: busybox:latest' }];
    expect(runcVerdict(probes, '1.1.5')).toMatch(/^Could not tell whether the Docker Engine's runc \(1\.1\.5\) has the fix for CVE-2024-21626/);
  });

  it('refuses, in one sentence, an engine that started a container in a leaked descriptor', () => {
    const probes = [
      { descriptor: 7, started: false },
      { descriptor: 8, started: true },
    ];
    expect(runcVerdict(probes, '1.1.5')).toBe(
      "The Docker Engine's runc (1.1.5) lacks the fix for CVE-2024-21626: a container started with its working directory at /proc/self/fd/8, inside the host's filesystem; upgrade runc to 1.1.12 or later (Debian: apt-get install --only-upgrade runc), then start again.",
    );
  });
});
