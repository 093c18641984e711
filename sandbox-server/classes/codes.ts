import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Letters and digits no one misreads when a code is read aloud or copied from a projector: no 0/O, 1/I/L. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 6;

export function newClassCode(): string {
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** A code as typed (any case, stray spaces) in its stored form, or undefined when it cannot be one. */
export function normalizeCode(input: string): string | undefined {
  const code = input.trim().toUpperCase();
  if (code.length !== CODE_LENGTH) return undefined;
  for (const character of code) if (!CODE_ALPHABET.includes(character)) return undefined;
  return code;
}

/** An instructor secret: 32 random bytes. */
export function newInstructorSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A learner key, which lets the same learner continue in another browser. */
export function newLearnerKey(): string {
  return randomBytes(18).toString('base64url');
}

export function newLearnerId(): string {
  return randomBytes(9).toString('base64url');
}

/** Secrets and keys are kept only as this hash. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time (both are SHA-256, so equal lengths). */
export function secretMatches(presented: string | undefined, storedHash: string): boolean {
  if (presented === undefined || presented.length === 0 || presented.length > 200) return false;
  const presentedHash = Buffer.from(hashSecret(presented), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presentedHash.length && timingSafeEqual(presentedHash, stored);
}
