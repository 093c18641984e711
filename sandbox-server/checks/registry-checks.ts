import type { Check } from '../lessons/schema.ts';
import { CLASS_REGISTRY, isClassRegistry } from '../registry/address.ts';
import { manifestDigest } from '../registry/client.ts';
import { formatReference, parseReference } from '../scope/reference.ts';
import type { CheckContext, Verdict } from './result.ts';

type PushedCheck = Extract<Check, { kind: 'pushed' }>;

/** Asks the registry itself, within the session's namespace, whether the tag was pushed. */
export async function checkPushed(check: PushedCheck, context: CheckContext): Promise<Verdict> {
  const ref = parseReference(check.image);
  const name = formatReference(ref);
  if (!isClassRegistry(ref)) return `${name} is not in the class registry; its name must start with ${CLASS_REGISTRY}/.`;
  const digest = await manifestDigest(`${context.engine.namespace.id}/${ref.path}`, ref.tag ?? 'latest');
  return digest ? undefined : `The registry has no ${name} yet; push it with docker push ${name}.`;
}
