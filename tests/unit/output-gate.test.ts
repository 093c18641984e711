import { describe, expect, it } from 'vitest';
import { OutputGate } from '../../sandbox-server/terminal/output-gate.ts';

describe('OutputGate', () => {
  it('cuts a command at the cap once, with one notice', () => {
    const gate = new OutputGate(10, 1000);
    expect(gate.admit(new Uint8Array(6), false)).toEqual({ data: new Uint8Array(6) });
    const cut = gate.admit(new Uint8Array(6), false);
    expect(cut.data.length).toBe(4);
    expect(cut.notice).toBe('cap');
    expect(gate.admit(new Uint8Array(6), false)).toEqual({ data: new Uint8Array() });
  });

  it('holds an interactive session to a rate, noticing once per second', () => {
    const gate = new OutputGate(10, 100);
    expect(gate.admit(new Uint8Array(80), true, 0).data.length).toBe(80);
    const over = gate.admit(new Uint8Array(80), true, 10);
    expect(over.data.length).toBe(20);
    expect(over.notice).toBe('rate');
    expect(gate.admit(new Uint8Array(10), true, 20).notice).toBeUndefined();
    expect(gate.admit(new Uint8Array(80), true, 1100).data.length).toBe(80);
  });
});
