import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SandboxContext } from '../context.ts';

/**
 * How full this host is, for a load balancer in front of several (docs/deploying.md): the
 * sessions it holds against its seats, its builds, and whether it takes new learners. A host that
 * is full or draining keeps serving the sessions it has; only new ones go elsewhere.
 */
export type HostState = 'ready' | 'full' | 'draining';

export interface HostLoad {
  state: HostState;
  sessions: number;
  seats: number;
  builds: { running: number; waiting: number };
}

/** The file whose presence drains a host: `layerlab drain` writes it, `layerlab drain --off` removes it. */
export function drainFile(stateDir: string): string {
  return path.join(stateDir, 'draining');
}

export function setDraining(stateDir: string, draining: boolean): void {
  if (draining) writeFileSync(drainFile(stateDir), `${new Date().toISOString()}\n`);
  else rmSync(drainFile(stateDir), { force: true });
}

export function hostLoad(context: Pick<SandboxContext, 'config' | 'store' | 'buildQueue'>): HostLoad {
  const sessions = context.store.all().filter((session) => !context.store.isExpired(session)).length;
  const seats = context.config.policy.sessions.max;
  const state: HostState = existsSync(drainFile(context.config.stateDir)) ? 'draining' : sessions >= seats ? 'full' : 'ready';
  return { state, sessions, seats, builds: { running: context.buildQueue.running, waiting: context.buildQueue.waiting } };
}
