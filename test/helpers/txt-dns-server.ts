/**
 * Test helper: a DNS server (dns2, UDP on 127.0.0.1, a free port) that answers TXT questions from
 * a fixed zone (SPF, DKIM, DMARC records) and nothing else, for gateways pointed at it with
 * `dns.servers`. Long records are split into the 255-byte strings a TXT record is made of.
 */
import dns2 from 'dns2';

export interface TxtDnsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** `zone`: TXT records by lower-case name. */
export async function startTxtDnsServer(zone: Readonly<Record<string, readonly string[]>>): Promise<TxtDnsServer> {
  const server = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = dns2.Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      const records = question && question.type === dns2.Packet.TYPE.TXT ? zone[question.name.toLowerCase()] : undefined;
      for (const text of records ?? []) {
        const data = text.match(/.{1,255}/g) ?? [];
        response.answers.push({ name: question!.name, type: dns2.Packet.TYPE.TXT, class: dns2.Packet.CLASS.IN, ttl: 60, data } as never);
      }
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return { port: addresses.udp!.port, close: () => server.close() };
}
