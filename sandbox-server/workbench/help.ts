import type { SandboxPolicy } from '../config/policy.ts';
import { availableBaseImages } from '../policy/lesson-policy.ts';
import { buildLimits, containerLimits } from '../policy/refusals.ts';
import { CLASS_REGISTRY } from '../registry/address.ts';

/**
 * What `help` prints in the workbench: what this sandbox is, what it allows, and the base images
 * the session's lesson lets the learner use. Built from the live policy, and served by the
 * session's boundary (GET /layerlab/help), so the shell's `help` always says what the server does.
 */
export function workbenchHelp(policy: SandboxPolicy): string {
  const { quotas } = policy;
  return [
    'This is a real bash with the real Docker CLI and Compose. Its Docker Engine is a sandbox that is',
    'yours alone: you see only your own images, containers, volumes and networks.',
    '',
    'What the sandbox allows:',
    `  containers   up to ${quotas.runningContainers} running and ${quotas.containers} in all, each with ${containerLimits(policy)}, no network to the outside`,
    `  builds       the classic builder, one at a time, with ${buildLimits(policy)} and no network`,
    `  images       up to ${quotas.images}, from the base images below or your own builds; push and pull with ${CLASS_REGISTRY}`,
    `  volumes      up to ${quotas.volumes}; networks: up to ${quotas.networks} of your own (docker network create, Compose)`,
    '  ports        -p 8080:80 publishes nothing on the host; curl localhost:8080 here, or the lesson\'s checks, reach it',
    '  files        ~/workspace is the editor\'s folder: a file made here shows in the editor, and the other way round',
    '',
    `Base images you can use: ${availableBaseImages(policy).join(', ')}`,
    '',
    'Tools: docker, docker compose, curl, jq, nano, vim, less, tree, ps, ip. Keys: Up/Down for history,',
    'Tab to complete, Ctrl-C to interrupt, Esc then Tab to leave the terminal (Ctrl+M in the editor).',
    '`help NAME` is bash\'s help for its own commands.',
    '',
  ].join('\n');
}
