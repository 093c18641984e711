/**
 * Splits the engine's multiplexed log format (8-byte header: stream type, 3 zero bytes, length)
 * that non-TTY containers produce, into stdout (1) and stderr (2) pieces.
 */
export function splitMultiplexed(buffer: Buffer): { stream: 1 | 2; text: string }[] {
  const pieces: { stream: 1 | 2; text: string }[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset] === 2 ? 2 : 1;
    const length = buffer.readUInt32BE(offset + 4);
    pieces.push({ stream, text: buffer.subarray(offset + 8, offset + 8 + length).toString('utf8') });
    offset += 8 + length;
  }
  return pieces;
}
