import ipaddr from 'ipaddr.js';
import { LpaError } from '../errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d` in any spelling) becomes its IPv4 address. */
function canonical(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** A peer address as the audit trail shows it: mapped IPv6 as IPv4, zone ids dropped. */
export function normalizePeerAddress(raw: string): string {
  const withoutZone = raw.replace(/%.*$/, '');
  if (!ipaddr.isValid(withoutZone)) return raw;
  return canonical(ipaddr.parse(withoutZone)).toString();
}

/** Config entries are strict: dotted-quad IPv4 (no `127.1` or hex forms) or a valid IPv6 address. */
function isStrictAddress(text: string): boolean {
  return text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text);
}

function parseEntry(entry: string): Range {
  const text = entry.trim();
  try {
    if (!isStrictAddress(text.split('/')[0] ?? '')) throw new Error('not strict');
    if (text.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(text);
      if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
      }
      return [address, bits];
    }
    const address = canonical(ipaddr.parse(text));
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new LpaError('LPA_ERR_CONFIG_INVALID', `not an IP address or CIDR range: ${JSON.stringify(entry)}`);
  }
}

/**
 * The IP allow-list: deny by default. Entries are addresses or CIDR ranges, IPv4 or IPv6; an
 * IPv4-mapped peer or entry means the same as its IPv4 address. Built once per whitelist version.
 */
export class AllowList {
  private readonly ranges: Range[];
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = [...entries];
    this.ranges = entries.map(parseEntry);
  }

  /** Throws LPA_ERR_CONFIG_INVALID naming the first bad entry. */
  static validate(entries: readonly string[]): void {
    for (const entry of entries) parseEntry(entry);
  }

  admits(peerAddress: string | undefined): boolean {
    if (peerAddress === undefined || this.ranges.length === 0) return false;
    const withoutZone = peerAddress.replace(/%.*$/, '');
    if (!ipaddr.isValid(withoutZone)) return false;
    const peer = canonical(ipaddr.parse(withoutZone));
    return this.ranges.some(([network, bits]) => network.kind() === peer.kind() && peer.match(network, bits));
  }
}
