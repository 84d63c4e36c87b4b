// DNS blocklists against a real DNS server (dns2 on 127.0.0.1) serving a test zone, through the
// gateway's caching resolver; and the session facade's connect verdict (554 or DNSBL_LISTED).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import dns2 from 'dns2';
import { configSchema, type ConfigInput } from '../../../src/config/schema.js';
import { createCachingResolver } from '../../../src/scan/dns/caching-resolver.js';
import { checkDnsbl, reversedAddress } from '../../../src/smtp/reputation/dnsbl.js';
import { SessionReputation } from '../../../src/smtp/reputation/session-reputation.js';

/** bl.test lists 192.0.2.99 (127.0.0.2) and 2001:db8::1 (127.0.0.4); junk.test answers 10.0.0.1 for everything; refuse.test lists 192.0.2.99 too. */
const ZONE = new Map<string, string>([
  ['99.2.0.192.bl.test', '127.0.0.2'],
  ['99.2.0.192.refuse.test', '127.0.0.3'],
  ['99.2.0.192.public.test', '127.255.255.254'],
  [`${reversedAddress('2001:db8::1')}.bl.test`, '127.0.0.4'],
]);

describe('DNS blocklists', () => {
  let server: ReturnType<typeof dns2.createServer>;
  let resolver: (name: string, type: string) => Promise<readonly unknown[]>;
  before(async () => {
    server = dns2.createServer({
      udp: true,
      handle(request, send) {
        const response = dns2.Packet.createResponseFromRequest(request);
        const question = request.questions[0];
        const name = question?.name ?? '';
        const address = name.endsWith('.junk.test') ? '10.0.0.1' : ZONE.get(name);
        if (address && question?.type === dns2.Packet.TYPE.A) {
          response.answers.push({ name, type: dns2.Packet.TYPE.A, class: dns2.Packet.CLASS.IN, ttl: 60, address } as never);
        } else {
          (response.header as { rcode: number }).rcode = 3; // NXDOMAIN
        }
        send(response);
      },
    });
    const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    resolver = createCachingResolver({ servers: [`127.0.0.1:${addresses.udp!.port}`], timeoutMs: 1000 });
  });
  after(async () => {
    await server.close();
  });

  it('reverses IPv4 octets and IPv6 nibbles (RFC 5782)', () => {
    assert.equal(reversedAddress('192.0.2.99'), '99.2.0.192');
    assert.equal(reversedAddress('::ffff:192.0.2.99'), '99.2.0.192');
    assert.equal(reversedAddress('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
    assert.equal(reversedAddress('not-an-ip'), undefined);
  });

  it('a 127.0.0.x answer is a listing; NXDOMAIN, other answers and the public-resolver code are not', async () => {
    const zones = [
      { zone: 'bl.test', score: 4, reject: false },
      { zone: 'junk.test', score: 4, reject: false },
      { zone: 'public.test', score: 4, reject: false },
    ];
    assert.deepEqual(await checkDnsbl('192.0.2.99', zones, resolver), [{ zone: 'bl.test', score: 4, reject: false, answer: '127.0.0.2' }]);
    assert.deepEqual(await checkDnsbl('2001:db8::1', zones, resolver), [{ zone: 'bl.test', score: 4, reject: false, answer: '127.0.0.4' }]);
    assert.deepEqual(await checkDnsbl('192.0.2.1', zones, resolver), []);
  });

  it('an unreachable DNS server lists nobody, quickly', async () => {
    const dead = createCachingResolver({ servers: ['127.0.0.1:9'], timeoutMs: 300 });
    const started = Date.now();
    assert.deepEqual(await checkDnsbl('192.0.2.99', [{ zone: 'bl.test', score: 4, reject: false }], dead), []);
    assert.ok(Date.now() - started < 2000);
  });

  it('the session: a reject zone answers 554 at connect; a scoring zone gives weighted DNSBL_LISTED findings; trusted clients are not asked', async () => {
    const configOf = (input: ConfigInput) => {
      const config = configSchema.parse(input);
      return () => config;
    };
    const scoring = new SessionReputation({ config: configOf({ reputation: { dnsbl: [{ zone: 'bl.test', score: 6 }, { zone: 'junk.test' }] } }), resolver });
    const verdict = await scoring.connect('192.0.2.99', false);
    assert.equal(verdict.reply, undefined);
    assert.deepEqual(verdict.findings, [{ id: 'DNSBL_LISTED', detail: '192.0.2.99 listed in bl.test (127.0.0.2)', weight: 6 }]);
    assert.deepEqual((await scoring.connect('192.0.2.99', true)).findings, []);
    const refusing = new SessionReputation({ config: configOf({ reputation: { dnsbl: [{ zone: 'bl.test' }, { zone: 'refuse.test', reject: true }] } }), resolver });
    const refused = await refusing.connect('192.0.2.99', false);
    assert.equal(refused.reply?.code, 554);
    assert.match(refused.reply?.message ?? '', /^5\.7\.1 .*refuse\.test/);
    assert.equal((await refusing.connect('192.0.2.1', false)).reply, undefined);
  });
});
