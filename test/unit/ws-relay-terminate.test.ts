import { describe, expect, it } from 'vitest';
import { terminateWatcher } from '../../local/ws-relay.ts';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const startup = Buffer.concat([int32(8 + 5), int32(196608), Buffer.from('user\0')]);
const ssl = Buffer.concat([int32(8), int32(80877103)]);
const typed = (type: string, body: Buffer) => Buffer.concat([Buffer.from(type), int32(4 + body.length), body]);
const terminate = typed('X', Buffer.alloc(0));

describe('terminateWatcher (local ws relay)', () => {
  it('sees Terminate after the startup packets, even split across chunks', () => {
    const w = terminateWatcher();
    expect(w(ssl)).toBe(false);
    expect(w(startup)).toBe(false);
    expect(w(typed('Q', Buffer.from('select 1\0')))).toBe(false);
    const all = Buffer.concat([typed('Q', Buffer.from('select 2\0')), terminate]);
    expect(w(all.subarray(0, 7))).toBe(false);
    expect(w(all.subarray(7))).toBe(true);
  });

  it('is not fooled by Terminate bytes inside another message', () => {
    const w = terminateWatcher();
    w(startup);
    expect(w(typed('Q', Buffer.concat([Buffer.from('select '), terminate, Buffer.from('\0')])))).toBe(false);
  });
});
