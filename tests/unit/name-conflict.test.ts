import { describe, expect, it } from 'vitest';
import { runContainerName } from '../../sandbox-server/checks/name-conflict.ts';

describe('the --name of a docker run line', () => {
  it('reads both spellings, docker container run, and quotes', () => {
    expect(runContainerName('docker run -d --name web -p 3000:3000 hello-node')).toBe('web');
    expect(runContainerName('docker container run --name=web hello-node')).toBe('web');
    expect(runContainerName("docker run --name 'my-site' nginx")).toBe('my-site');
    expect(runContainerName('docker run  -d   --name\tpy my_python_app')).toBe('py');
  });

  it('takes the last run of a compound line, and only its own flags', () => {
    expect(runContainerName('docker rm -f web; docker run -d --name web hello-node')).toBe('web');
    expect(runContainerName('docker run --name a busybox && docker run busybox')).toBeUndefined();
    expect(runContainerName('docker run busybox && echo --name x')).toBeUndefined();
  });

  it('ignores other commands, missing names and names docker would refuse', () => {
    expect(runContainerName('docker ps --filter name=web')).toBeUndefined();
    expect(runContainerName('docker run -d nginx')).toBeUndefined();
    expect(runContainerName('docker run --name')).toBeUndefined();
    expect(runContainerName('docker run --name $(whoami) nginx')).toBeUndefined();
    expect(runContainerName(`docker run --name ${'a'.repeat(200)} nginx`)).toBeUndefined();
  });
});
