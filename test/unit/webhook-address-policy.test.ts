/**
 * The SSRF rules for webhook URLs (shared/webhooks/address-policy.ts): every
 * address class that is not global unicast is refused, including IPv4
 * forms hidden in IPv6 and the decimal/octal/hex spellings WHATWG URL
 * normalises; names resolving to private addresses are refused by the
 * delivery-time check (origin/webhooks/send.ts, pickAddress with a resolver).
 */
import { describe, expect, it } from 'vitest';
import { pickAddress } from '../../origin/webhooks/send.ts';
import { checkWebhookUrl, classifyAddress, parseIPv6 } from '../../shared/webhooks/address-policy.ts';

const strict = { allowLoopback: false };
const local = { allowLoopback: true };

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:0808:0808::1', 'public'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['example.com', 'invalid'],
    ['1.2.3', 'invalid'],
    ['01.2.3.4', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ])('%s is %s', (ip, cls) => expect(classifyAddress(ip)).toBe(cls));

  it('parses the IPv6 spellings', () => {
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toHaveLength(16);
    expect(parseIPv6('::ffff:1.2.3.4')?.slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(parseIPv6('1::2::3')).toBeNull();
    expect(parseIPv6('fe80::1%eth0')).toBeNull();
  });
});

describe('checkWebhookUrl (registration, no DNS)', () => {
  it.each([
    ['https://hooks.example.com/in', true],
    ['https://8.8.8.8/in', true],
    ['https://[2606:4700::1]/in', true],
    ['http://hooks.example.com/in', false],
    ['ftp://hooks.example.com/in', false],
    ['https://user:pw@hooks.example.com/', false],
    ['https://localhost/', false],
    ['https://api.localhost/', false],
    ['https://metadata.google.internal/', false],
    ['https://printer.local/', false],
    ['https://intranet/', false],
    ['https://127.0.0.1/', false],
    ['https://2130706433/', false], // decimal 127.0.0.1
    ['https://0177.0.0.1/', false], // octal
    ['https://0x7f.0.0.1/', false], // hex
    ['https://0xa9fea9fe/', false], // 169.254.169.254
    ['https://[::ffff:127.0.0.1]/', false],
    ['https://[::ffff:169.254.169.254]/', false],
    ['https://[fd00::1]/', false],
    ['https://10.1.1.1:8443/', false],
    ['https://169.254.169.254/latest/meta-data/', false],
    ['https://100.64.1.1/', false],
    ['https://[::]/', false],
    ['https://0.0.0.0/', false],
    ['not a url', false],
  ])('%s → %s in production configuration', (url, ok) => expect(checkWebhookUrl(url, strict).ok).toBe(ok));

  it('allows http://127.0.0.1 only when the configuration says so', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9999/hook', local).ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1:9999/hook', strict).ok).toBe(false);
    // Loopback by other names or private neighbours stay refused even then.
    for (const url of ['http://localhost:9999/', 'http://[::1]:9999/', 'http://10.0.0.1/', 'http://169.254.169.254/'])
      expect(checkWebhookUrl(url, local).ok, url).toBe(false);
  });
});

describe('pickAddress (delivery, after DNS)', () => {
  const dns = (answers: Record<string, string[]>) => async (host: string) =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name when any address it resolves to is not public', async () => {
    const resolve = dns({
      'a.example.com': ['10.0.0.7'],
      'b.example.com': ['93.184.216.34', '127.0.0.1'],
      'c.example.com': ['::ffff:169.254.169.254'],
      'd.example.com': ['fe80::1'],
      'e.example.com': [],
    });
    for (const host of ['a', 'b', 'c', 'd', 'e']) {
      const r = await pickAddress(`https://${host}.example.com/x`, strict, resolve);
      expect('error' in r, host).toBe(true);
    }
  });

  it('answers the checked address for a public name', async () => {
    const r = await pickAddress('https://ok.example.com/x', strict, dns({ 'ok.example.com': ['93.184.216.34'] }));
    expect(r).toMatchObject({ address: '93.184.216.34', family: 4 });
  });
});
