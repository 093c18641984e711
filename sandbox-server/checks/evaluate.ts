import { isEngineDown } from '../engine/errors.ts';
import type { Check } from '../lessons/schema.ts';
import { checkContainer, checkHttp, checkPublishes } from './container-checks.ts';
import { checkImage, checkImageConfig, checkLayers } from './image-checks.ts';
import { checkPushed } from './registry-checks.ts';
import type { CheckContext, CheckResult, Verdict } from './result.ts';
import { checkCommand, checkDockerfile } from './workspace-checks.ts';

function verdictOf(check: Check, context: CheckContext): Verdict | Promise<Verdict> {
  switch (check.kind) {
    case 'image':
      return checkImage(check, context);
    case 'layers':
      return checkLayers(check, context);
    case 'image-config':
      return checkImageConfig(check, context);
    case 'container':
      return checkContainer(check, context);
    case 'publishes':
      return checkPublishes(check, context);
    case 'http':
      return checkHttp(check, context);
    case 'dockerfile':
      return checkDockerfile(check, context);
    case 'pushed':
      return checkPushed(check, context);
    case 'command':
      return checkCommand(check, context);
  }
}

/** The failure sentence: the author's, unless the check found something only it can say. */
function sentenceFor(verdict: Verdict, check: Check): string | undefined {
  if (verdict === undefined) return undefined;
  if (typeof verdict === 'object') return verdict.specific;
  return check.reason ?? verdict;
}

/** Evaluates a lesson's checks against the session, in order, each through the engine. */
export async function evaluateChecks(checks: Check[], context: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [index, check] of checks.entries()) {
    let verdict: Verdict;
    try {
      verdict = await verdictOf(check, context);
    } catch (error) {
      verdict = {
        specific: isEngineDown(error)
          ? 'The sandbox could not reach the Docker Engine to check this; try again in a moment.'
          : `This check could not run: ${(error as Error).message}`,
      };
    }
    const reason = sentenceFor(verdict, check);
    const hints = check.hint === undefined ? [] : Array.isArray(check.hint) ? check.hint : [check.hint];
    results.push({
      id: check.id ?? String(index + 1),
      title: check.title,
      passed: reason === undefined,
      ...(reason === undefined ? {} : { reason }),
      hints: reason === undefined ? [] : hints,
    });
  }
  return results;
}
