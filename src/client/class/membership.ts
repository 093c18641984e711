/**
 * Whether this browser is in a class, and the learner's record there: GET /api/classes/me, asked
 * once per page (the learner cookie is HttpOnly, so only the server can say) and again whenever
 * the page knows the record changed.
 */
import { ApiError } from '../api.ts';
import { fetchMembership, type Membership } from './class-api.ts';

/** Dispatched on window when this page joined a class, so the banner shows it at once. */
export const CLASS_EVENT = 'layerlab:class';

let current: Promise<Membership | undefined> | undefined;

/** known: what the page knew before; a server that is away or busy (429) doesn't make the page forget it. */
async function ask(known?: Membership): Promise<Membership | undefined> {
  try {
    return await fetchMembership();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    console.warn(`class: ${(error as Error).message}`);
    return known;
  }
}

/** The class this browser is in, or undefined. */
export function classMembership(): Promise<Membership | undefined> {
  current ??= ask();
  return current;
}

/** Asks the server again (after checks ran, say) and answers the new record. */
export function refreshMembership(): Promise<Membership | undefined> {
  current = (current ?? Promise.resolve(undefined)).then((known) => ask(known));
  return current;
}
