/**
 * A list of IP networks (trusted networks), matched with node:net's BlockList. IPv4-mapped
 * IPv6 addresses (::ffff:127.0.0.1, as dual-stack sockets report them) match their IPv4 network.
 * Input is validated by config/schema.ts; this module trusts its entries.
 */
import { BlockList, isIP } from 'node:net';

export class NetworkList {
  private readonly list = new BlockList();

  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(bits), family);
    }
  }

  contains(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const plain = mapped?.[1] ?? address;
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}
