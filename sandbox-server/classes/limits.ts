/** The bounds of class mode: every count and length a class, a learner or a request may reach. */
export const CLASS_LIMITS = {
  nameLength: 80,
  nicknameLength: 40,
  learnersPerClass: 500,
  /** New classes one address may create per hour. */
  classesPerAddressPerHour: 20,
  /** Join attempts per address per minute: a learner key is never guessed one try at a time. */
  joinsPerAddressPerMinute: 30,
  /** Instructor sign-ins (POST /instructor) per address per minute. */
  instructorSignInsPerAddressPerMinute: 20,
  /** GET /api/classes/me per address per minute: every page of a class asks once. */
  meRequestsPerAddressPerMinute: 300,
  /** Commands kept per learner, the newest. */
  commandsPerLearner: 2000,
  /** Bytes of one command line kept; a longer line is cut. */
  commandLineBytes: 4096,
  /** Checks of one lesson recorded at once; a lesson has far fewer. */
  checksPerRecord: 200,
  /** Bytes of a check's reason kept. */
  reasonBytes: 2048,
  /** Event streams and watch sockets open on one class at once. */
  watchersPerClass: 50,
} as const;

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never cutting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8');
  // A character cut in half decodes as U+FFFD; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}
