import { describe, expect, it } from 'vitest';
import { formatTable } from '../../sandbox-server/terminal/format/table.ts';
import { ago, ellipsis, humanDuration, humanSize, imageSize, ordinal, shortId } from '../../sandbox-server/terminal/format/units.ts';

describe('docker-shaped output', () => {
  it('prints sizes as go-units does', () => {
    expect(imageSize(1_980_000)).toBe('1.98MB');
    expect(imageSize(300_123_456)).toBe('300MB');
    expect(imageSize(0)).toBe('0B');
    expect(humanSize(2048)).toBe('2.048kB');
    expect(imageSize(1_240_000_000)).toBe('1.24GB');
  });

  it('prints durations as go-units does', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1_000)).toBe('1 second');
    expect(humanDuration(12_000)).toBe('12 seconds');
    expect(humanDuration(61_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(3 * 3_600_000)).toBe('3 hours');
    expect(humanDuration(3 * 24 * 3_600_000)).toBe('3 days');
    expect(ago(100, 112_000)).toBe('12 seconds ago');
  });

  it('shortens IDs and long text', () => {
    expect(shortId('sha256:0123456789abcdef0123')).toBe('0123456789ab');
    expect(ellipsis('docker-entrypoint.sh node', 20)).toBe('docker-entrypoint.s…');
    expect(ellipsis('short', 20)).toBe('short');
    expect(ordinal(1)).toBe('1st');
    expect(ordinal(12)).toBe('12th');
    expect(ordinal(23)).toBe('23rd');
  });

  it('lays out tables with tabwriter padding', () => {
    const table = formatTable(['REPOSITORY', 'TAG', 'IMAGE ID'], [['hello', 'latest', '0123456789ab']]);
    expect(table).toBe('REPOSITORY   TAG       IMAGE ID\nhello        latest    0123456789ab\n');
  });
});
