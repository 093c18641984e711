import http from 'node:http';
import { resolvePublishedPort } from '../preview/published-port.ts';
import { formatReference, parseReference } from '../scope/reference.ts';
import type { OwnContainer } from '../scope/scoped-engine.ts';
import type { Check } from '../lessons/schema.ts';
import { nameConflict } from './name-conflict.ts';
import type { CheckContext, Verdict } from './result.ts';

type ContainerCheck = Extract<Check, { kind: 'container' }>;
type PublishesCheck = Extract<Check, { kind: 'publishes' }>;
type HttpCheck = Extract<Check, { kind: 'http' }>;

/** "web" and "web:latest" name the same image; a container records what the learner typed. */
function sameImage(containerImage: string, wanted: string): boolean {
  try {
    return formatReference(parseReference(containerImage)) === formatReference(parseReference(wanted));
  } catch {
    return false;
  }
}

export async function checkContainer(check: ContainerCheck, context: CheckContext): Promise<Verdict> {
  const containers = (await context.engine.containers({ all: true })).filter(
    (container: OwnContainer) =>
      (check.image === undefined || sameImage(container.image, check.image)) &&
      (check.name === undefined || container.name === check.name),
  );
  const what = [
    check.image ? `from ${check.image}` : '',
    check.name ? `named ${check.name}` : '',
  ].filter(Boolean).join(' ');
  const subject = `container${what ? ` ${what}` : ''}`;
  const inState = (state: string) => containers.some((container) => container.state === state);
  switch (check.state) {
    case 'running': {
      if (inState('running')) return undefined;
      const conflict = await nameConflict(context);
      if (conflict) return { specific: conflict };
      return containers.length > 0 ? `The ${subject} exists but isn't running (${containers[0]!.status}).` : `No ${subject} is running.`;
    }
    case 'exited':
      return inState('exited') ? undefined : `No ${subject} has run and exited.`;
    case 'any':
      return containers.length > 0 ? undefined : `There is no ${subject}, running or stopped.`;
    case 'none':
      return containers.length === 0 ? undefined : `A ${subject} still exists (${containers[0]!.name}); remove it with docker rm.`;
  }
}

export async function checkPublishes(check: PublishesCheck, context: CheckContext): Promise<Verdict> {
  const running = await context.engine.containers({ all: false });
  if (running.some((container) => container.ports.some((port) => port.hostPort === check.port))) return undefined;
  const conflict = await nameConflict(context);
  if (conflict) return { specific: conflict };
  return `No running container publishes port ${check.port}; run one with -p ${check.port}:PORT.`;
}

export async function checkHttp(check: HttpCheck, context: CheckContext): Promise<Verdict> {
  const url = `localhost:${check.port}${check.path}`;
  const target = await resolvePublishedPort(context.engine, check.port);
  if (!target) {
    const conflict = await nameConflict(context);
    if (conflict) return { specific: conflict };
    return `No running container publishes port ${check.port}, so ${url} can't answer.`;
  }
  // Checks run right after each command, so a server started by `docker run -d` a moment ago may
  // still be opening its port: a refused connection is retried for a few seconds.
  let response = await get(target.address, target.port, check.path, `localhost:${check.port}`);
  for (let attempt = 0; attempt < 15 && 'error' in response && response.error === 'connection refused'; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    response = await get(target.address, target.port, check.path, `localhost:${check.port}`);
  }
  if ('error' in response) return `Nothing answered on ${url} (${response.error}).`;
  if (response.status !== check.status) return `${url} answered ${response.status}, not ${check.status}.`;
  if (check.contains !== undefined && !response.body.includes(check.contains)) {
    return `${url} answered, but its page doesn't contain "${check.contains}".`;
  }
  return undefined;
}

function get(host: string, port: number, path: string, hostHeader: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path, headers: { host: hostHeader }, timeout: 3000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 256 * 1024) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', (error) => resolve({ error: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 3 s')));
    request.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connection refused' : error.message }));
  });
}
