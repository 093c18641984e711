import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readImageArchive } from '../../sandbox-server/images/layer-archive.ts';
import { exploreImage } from '../../sandbox-server/images/layer-explorer.ts';

/** A layer tarball of these files (a null content is a whiteout of that path). */
async function layerTar(files: Record<string, string | null>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    const slash = name.lastIndexOf('/');
    const entry = content === null ? `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}` : name;
    pack.entry({ name: entry }, content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const digest = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('reading an image archive', () => {
  it("reads OCI's index.json layout, gzipped layers included", async () => {
    const layers = [await layerTar({ 'etc/motd': 'hello\n', 'tmp/big': 'x'.repeat(1000) }), gzipSync(await layerTar({ 'tmp/big': null, 'etc/motd': 'bye\n' }))];
    const config = JSON.stringify({ history: [{ created_by: '/bin/sh -c #(nop) ADD file:abc in / ' }, { created_by: '/bin/sh -c rm /tmp/big' }, { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true }] });
    const manifest = JSON.stringify({ config: { digest: digest(config) }, layers: layers.map((layer) => ({ digest: digest(layer) })) });
    const index = JSON.stringify({ manifests: [{ digest: digest(manifest) }] });
    const pack = tar.pack();
    // Blobs first, as the engine writes them, so the order comes from documents read later.
    for (const blob of [...layers, Buffer.from(config), Buffer.from(manifest)]) pack.entry({ name: `blobs/sha256/${digest(blob).slice(7)}` }, blob);
    pack.entry({ name: 'index.json' }, index);
    pack.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
    pack.finalize();

    const exploration = exploreImage(await readImageArchive(pack));
    expect(exploration.steps.map((step) => step.instruction)).toEqual(['ADD file:abc in /', 'RUN rm /tmp/big', 'CMD ["sh"]']);
    const second = exploration.steps[1]!.layer!;
    expect(second.removed).toEqual([{ path: 'tmp/big', size: 1000 }]);
    expect(second.changed).toEqual([{ path: 'etc/motd', size: 4 }]);
    expect(exploration.steps[2]!.layer).toBeUndefined();
    expect(exploration.totalSize).toBe(1010);
  });

  it('refuses an archive that names no layers, with a sentence', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'something.json' }, '{}');
    pack.finalize();
    await expect(readImageArchive(pack)).rejects.toThrow('the image archive has neither a manifest.json nor an OCI index.json that names its layers');
  });

  it('streams a 400 MB layer without holding it in memory', async () => {
    const SIZE = 400 * 1024 * 1024;
    const block = Buffer.alloc(1024 * 1024, 7);
    /** One layer holding one 400 MB file, produced as it is read: the test holds no copy either. */
    function* archive(): Generator<Buffer> {
      const header = ustarHeader;
      const layerSize = 512 + SIZE + 1024;
      yield header('layer/layer.tar', layerSize);
      yield header('big.bin', SIZE);
      for (let sent = 0; sent < SIZE; sent += block.length) {
        produced += block.length;
        yield block;
      }
      yield Buffer.alloc(1024); // the layer's end
      const manifest = Buffer.from(JSON.stringify([{ Config: 'config.json', Layers: ['layer/layer.tar'] }]));
      const config = Buffer.from('{"history":[{"created_by":"/bin/sh -c head -c 400m /dev/zero > big.bin"}]}');
      for (const [name, body] of [['config.json', config], ['manifest.json', manifest]] as const) {
        yield header(name, body.length);
        yield Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
      }
      yield Buffer.alloc(1024);
    }
    let produced = 0;
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const exploration = exploreImage(await readImageArchive(Readable.from(archive(), { objectMode: false })));
    clearInterval(timer);
    expect(produced).toBe(SIZE);
    expect(exploration.totalSize).toBe(SIZE);
    expect(exploration.steps[0]!.layer!.added).toEqual([{ path: 'big.bin', size: SIZE }]);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  });
});

/** A ustar header block for a regular file, written by hand so the 400 MB body can be streamed. */
function ustarHeader(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}
