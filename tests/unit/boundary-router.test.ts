import { describe, expect, it } from 'vitest';
import { checkVersion, splitVersion } from '../../sandbox-server/boundary/api.ts';
import { readCreateRequest } from '../../sandbox-server/boundary/container-create.ts';
import { ENDPOINTS } from '../../sandbox-server/boundary/endpoints.ts';
import { globMatch, matchesNameFilter, matchesReference } from '../../sandbox-server/boundary/filters.ts';
import { engineBool, parseFilters } from '../../sandbox-server/boundary/query.ts';
import { matchEndpoint } from '../../sandbox-server/boundary/router.ts';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';

describe('the boundary router', () => {
  it('matches paths segment by segment, image names with slashes included', () => {
    expect(matchEndpoint(ENDPOINTS, 'GET', '/containers/web/json')?.params).toEqual({ id: 'web' });
    expect(matchEndpoint(ENDPOINTS, 'GET', '/images/localhost:5000/team/app:v1/json')?.params).toEqual({ name: 'localhost:5000/team/app:v1' });
    expect(matchEndpoint(ENDPOINTS, 'GET', '/containers/web/json/extra')).toBeUndefined();
    expect(matchEndpoint(ENDPOINTS, 'POST', '/containers/json')).toBeUndefined();
    expect(matchEndpoint(ENDPOINTS, 'GET', '/containers//json')).toBeUndefined();
    // A malformed escape is a path nobody serves, not a crash.
    expect(matchEndpoint(ENDPOINTS, 'GET', '/containers/%E0%A4%A/json')).toBeUndefined();
  });

  it('reads the version prefix as the engine does', () => {
    expect(splitVersion('/v1.41/containers/json')).toEqual({ version: '1.41', path: '/containers/json' });
    expect(splitVersion('/containers/json')).toEqual({ version: '1.41', path: '/containers/json' });
    expect(() => checkVersion('1.42')).toThrow('client version 1.42 is too new. Maximum supported API version is 1.41');
    expect(() => checkVersion('1.40')).not.toThrow();
  });

  it('reads query booleans and filters as the engine does', () => {
    expect(['1', 'true', 'True', 'yes', 'x'].map((text) => engineBool.parse(text))).toEqual([true, true, true, true, true]);
    expect(['', '0', 'no', 'FALSE', 'none'].map((text) => engineBool.parse(text))).toEqual([false, false, false, false, false]);
    expect(parseFilters('{"status":{"running":true,"exited":false}}')).toEqual(new Map([['status', ['running']]]));
    expect(parseFilters('{"label":["a=b"]}')).toEqual(new Map([['label', ['a=b']]]));
    expect(() => parseFilters('{"status":"running"}')).toThrow(/invalid filter/);
    expect(() => parseFilters('x'.repeat(5000))).toThrow(/longer than/);
  });
});

describe('a container create', () => {
  const policy = policyFromEnv({});
  const create = (body: object) => () => readCreateRequest('web', { Image: 'busybox', ...body }, policy);

  it("takes a learner's choices and leaves the rest to the template", () => {
    const request = readCreateRequest('web', {
      Image: 'nginx',
      Env: ['A=1'],
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { Binds: ['data:/data:ro'], PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, AutoRemove: true, CapDrop: ['all'], Privileged: false, Memory: 0 },
    }, policy);
    expect(request.spec.ports).toEqual([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    expect(request.spec.volumes).toEqual([{ name: 'data', target: '/data', readOnly: true }]);
    expect(request.autoRemove).toBe(true);
  });

  it('refuses each field that would loosen the sandbox, with its sentence', () => {
    expect(create({ HostConfig: { Privileged: true } })).toThrow("privileged mode isn't available here");
    expect(create({ HostConfig: { CapAdd: ['NET_ADMIN'] } })).toThrow("extra capabilities can't be added here");
    expect(create({ HostConfig: { Binds: ['/:/host'] } })).toThrow("host paths can't be mounted here");
    expect(create({ HostConfig: { Binds: ['../x:/host'] } })).toThrow("host paths can't be mounted here");
    expect(create({ HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] } })).toThrow("host paths can't be mounted here");
    expect(create({ HostConfig: { NetworkMode: 'container:other' } })).toThrow("containers join your session's private network");
    expect(create({ HostConfig: { PidMode: 'host' } })).toThrow("host namespaces aren't available here");
    expect(create({ HostConfig: { Memory: 1 } })).toThrow('limits are set by the sandbox');
    expect(create({ HostConfig: { MaskedPaths: ['/x'] } })).toThrow('stay hidden here');
    expect(create({ HostConfig: { Devices: [{ PathOnHost: '/dev/sda' }] } })).toThrow("devices can't be passed");
    expect(create({ Labels: { 'org.layerlab.session': 'x' } })).toThrow('labels are reserved');
    expect(create({ WorkingDir: '/proc/self/cwd' })).toThrow('/proc');
    expect(create({ HostConfig: { Binds: ['data:/proc/sys'] } })).toThrow('/proc');
    expect(create({ HostConfig: { Surprise: 1 } })).toThrow('the field HostConfig.Surprise is not accepted here');
    expect(create({ Surprise: 1 })).toThrow('the field Surprise is not accepted here');
    expect(create({ Env: Array.from({ length: 1000 }, () => 'A=1') })).toThrow(/the field Env/);
  });
});

describe('the filters the boundary applies itself', () => {
  it("match images by reference as the engine's path.Match does", () => {
    expect(matchesReference('app', 'app:latest')).toBe(true);
    expect(matchesReference('app:v1', 'app:latest')).toBe(false);
    expect(matchesReference('ap*', 'app:v1')).toBe(true);
    expect(matchesReference('*', 'team/app:v1')).toBe(false);
    expect(matchesReference('team/*', 'team/app:v1')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a?c', 'a/c')).toBe(false);
  });

  it('match container names as tutorials use the name filter, anchors included', () => {
    // (the container's name, the learner's pattern)
    expect(matchesNameFilter('web', 'web')).toBe(true);
    expect(matchesNameFilter('web', 'eb')).toBe(true);
    expect(matchesNameFilter('web', '^web$')).toBe(true);
    expect(matchesNameFilter('web', '^/web$')).toBe(true);
    expect(matchesNameFilter('web-2', '^we')).toBe(true);
    expect(matchesNameFilter('web', '^eb')).toBe(false);
    expect(matchesNameFilter('web-2', '2$')).toBe(true);
    expect(matchesNameFilter('web-2', '^web$')).toBe(false);
  });

  it('take time in proportion to pattern and text, never more, on a pattern made to backtrack', () => {
    const started = performance.now();
    expect(globMatch('*a'.repeat(200) + 'b', 'a'.repeat(4000))).toBe(false);
    // Not a timing budget: a pattern that backtracked exponentially would not finish at all.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
