import { Transform } from 'node:stream';

/**
 * Counts the bytes of an upload before anything parses it and stops it past `limit`: a tar
 * reader holds a long-name or pax header whole before it reports the entry, so the caps that
 * judge entries come too late for a header that claims gigabytes.
 */
export function byteCap(limit: number, error: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) return done(error());
      done(null, chunk);
    },
  });
}
