import { describe, expect, it } from 'vitest';
import { holdsArchive } from '../../sandbox-server/build/context.ts';

/** A tar archive's first block, as Go's archive/tar reads it (checksum over the block, field as spaces). */
function tarHeader(name: string, magic: 'ustar' | 'v7'): string {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write('00000000012\0', 124);
  block.write('00000000000\0', 136);
  block.write('0', 156);
  if (magic === 'ustar') block.write('ustar\u000000', 257, 'latin1');
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block.toString('latin1');
}

describe('an archive in the workspace', () => {
  it('is found by its bytes, whatever characters come before the magic', () => {
    // "é" is two bytes in the context but one character in the text: the magic moves.
    const utf8Name = Buffer.from(tarHeader('é-inside.txt', 'ustar'), 'latin1').toString('utf8');
    expect(holdsArchive(new Map([['x.tar', utf8Name]]))).toBe(true);
  });

  it('is found without a ustar magic too (V7 tar), since dockerd only needs a header that adds up', () => {
    expect(holdsArchive(new Map([['old.tar', tarHeader('inside.txt', 'v7')]]))).toBe(true);
  });

  it('is not made up out of text', () => {
    expect(holdsArchive(new Map([['notes.txt', `${'ustar '.repeat(100)}\n`], ['app.py', 'print("hi")\n']]))).toBe(false);
    expect(holdsArchive(new Map([['b.txt', 'BZh91AY&SY...']]))).toBe(true);
  });
});
