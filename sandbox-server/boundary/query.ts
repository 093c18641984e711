import { z } from 'zod';
import { BoundaryError } from './api.ts';

/**
 * Query parameters decoded as the engine decodes them (api/server/httputils and
 * api/types/filters in Moby 20.10), so that a value means here what it would mean there.
 */

/** httputils.BoolValue: anything but "", "0", "no", "false" and "none" (any case) is true. */
export const engineBool = z
  .string()
  .max(16)
  .transform((text) => !['', '0', 'no', 'false', 'none'].includes(text.trim().toLowerCase()));

/** An integer query value, as strconv.Atoi reads it. */
export const engineInt = z
  .string()
  .max(12)
  .regex(/^-?\d+$/, 'must be a whole number')
  .transform(Number);

const MAX_FILTERS_LENGTH = 4096;

/** filters.FromJSON: `{"status":{"running":true}}`, or the legacy `{"status":["running"]}`. */
const filterArgs = z.record(
  z.string().max(64),
  z.union([z.record(z.string().max(1024), z.boolean()), z.array(z.string().max(1024)).max(64)]),
);

export type Filters = Map<string, string[]>;

export function parseFilters(text: string | undefined): Filters {
  const filters: Filters = new Map();
  if (text === undefined || text === '') return filters;
  if (text.length > MAX_FILTERS_LENGTH) throw new BoundaryError(400, `filters longer than ${MAX_FILTERS_LENGTH} characters are not accepted here`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BoundaryError(400, 'invalid filter: the filters parameter is not JSON');
  }
  const parsed = filterArgs.safeParse(json);
  if (!parsed.success) throw new BoundaryError(400, 'invalid filter: each filter must map to a list of values');
  for (const [key, values] of Object.entries(parsed.data)) {
    filters.set(key, Array.isArray(values) ? values : Object.keys(values).filter((value) => values[value]));
  }
  return filters;
}

/** Refuses a filter this endpoint doesn't read, in the engine's words. */
export function onlyFilters(filters: Filters, allowed: readonly string[]): void {
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw new BoundaryError(400, `invalid filter '${key}'`);
  }
}

/** A query schema: known parameters only, so a field the boundary doesn't read is refused, never passed on. */
export function querySchema<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape);
}

export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new BoundaryError(400, `the query parameter ${issue.keys.join(', ')} is not accepted here`);
  }
  // A refusal the policy wrote (a refine) is a whole sentence; zod's own messages need the name.
  if (issue.code === 'custom') throw new BoundaryError(400, issue.message);
  throw new BoundaryError(400, `the query parameter ${issue.path.join('.')}: ${issue.message}`);
}
