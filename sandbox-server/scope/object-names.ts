import { randomInt } from 'node:crypto';

/** Random container names in the style of Docker's own names-generator: adjective_scientist. */

const ADJECTIVES = [
  'admiring', 'agitated', 'amazing', 'blissful', 'bold', 'brave', 'clever', 'cool', 'dazzling', 'eager',
  'ecstatic', 'elegant', 'epic', 'festive', 'focused', 'friendly', 'gallant', 'gifted', 'happy', 'hopeful',
  'jolly', 'keen', 'kind', 'laughing', 'lucid', 'modest', 'nice', 'optimistic', 'peaceful', 'quirky',
  'relaxed', 'serene', 'sharp', 'stoic', 'sweet', 'tender', 'trusting', 'upbeat', 'vibrant', 'wizardly',
];

const SCIENTISTS = [
  'almeida', 'babbage', 'bell', 'borg', 'curie', 'darwin', 'dijkstra', 'einstein', 'euler', 'feynman',
  'franklin', 'galileo', 'goldberg', 'hamilton', 'hopper', 'hypatia', 'johnson', 'kepler', 'knuth', 'lamarr',
  'liskov', 'lovelace', 'mayer', 'meitner', 'newton', 'noether', 'pascal', 'ritchie', 'shannon', 'sinoussi',
  'thompson', 'torvalds', 'turing', 'villani', 'wescoff', 'wozniak', 'yalow', 'yonath', 'zhukovsky', 'zuse',
];

export function randomContainerName(taken: Set<string>): string {
  for (let attempt = 0; attempt < 50; attempt++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SCIENTISTS[randomInt(SCIENTISTS.length)]}`;
    const candidate = attempt < 10 ? name : `${name}${randomInt(10)}`;
    if (!taken.has(candidate)) return candidate;
  }
  return `container_${randomInt(1_000_000)}`;
}

/** Docker's rule for container and volume names. */
export const OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
