/**
 * Outbound URLs an admin sets (webhook destinations, proxy mode's origin) must point at the public
 * internet: the edge fetches them, so a private one would let whoever holds the admin token — or a
 * proxied page's visitor — reach loopback, the local network or a cloud metadata service through
 * it. Pure: the checks read the URL as the WHATWG parser normalises it, which already turns the
 * numeric spellings of an IPv4 address (`2130706433`, `0x7f.1`, `0177.0.0.1`) into dotted form.
 * Host names are not resolved (Workers cannot): a public name pointing at a private address is
 * not caught here.
 */

/** The environment variable that lets local development (npm start, the tests) use private addresses. */
export const ALLOW_PRIVATE_NETWORK = 'ATTUNE_ALLOW_PRIVATE_NETWORK';

const V4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, '"this network" address'],
  ['10.0.0.0', 8, 'private address'],
  ['100.64.0.0', 10, 'carrier-grade NAT address'],
  ['127.0.0.0', 8, 'loopback address'],
  ['169.254.0.0', 16, 'link-local address (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'private address'],
  ['192.0.0.0', 24, 'IETF protocol address'],
  ['192.168.0.0', 16, 'private address'],
  ['198.18.0.0', 15, 'benchmarking address'],
  ['224.0.0.0', 4, 'multicast address'],
  ['240.0.0.0', 4, 'reserved address'],
];

const NAMES: [RegExp, string][] = [
  [/^localhost$|\.localhost$/, 'local host name'],
  [/\.local$/, 'local (mDNS) host name'],
  [/\.internal$|^metadata\.goog$|\.home\.arpa$/, 'internal host name (cloud metadata lives here)'],
  [/^[^.]+$/, 'single-label (intranet) host name'],
];

const v4 = (ip: string) => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);

function v4Rule(ip: string): string | null {
  const n = v4(ip);
  for (const [base, bits, what] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (Math.floor(n / size) === Math.floor(v4(base) / size)) return `${what} (${base}/${bits})`;
  }
  return null;
}

/** The 8 groups of a normalised IPv6 address (no brackets). */
function groups(ip: string): number[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const all = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return all.map((g) => parseInt(g, 16));
}

const embedded = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

function v6Rule(ip: string): string | null {
  const g = groups(ip);
  if (g.length !== 8 || g.some((x) => !Number.isInteger(x))) return 'malformed IPv6 address';
  const [a = 0, b = 0, , , , f = 0, y = 0, z = 0] = g;
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return 'unspecified address (::)';
  if (zeros(7) && z === 1) return 'loopback address (::1)';
  // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:ab:cd::).
  if ((zeros(5) && f === 0xffff) || zeros(6)) return v4Rule(embedded(y, z)) && `${v4Rule(embedded(y, z))} inside IPv6`;
  if (a === 0x64 && b === 0xff9b) return v4Rule(embedded(y, z)) && `${v4Rule(embedded(y, z))} behind NAT64`;
  if (a === 0x2002) return v4Rule(embedded(b, g[2] ?? 0)) && `${v4Rule(embedded(b, g[2] ?? 0))} inside 6to4`;
  if ((a & 0xfe00) === 0xfc00) return 'unique local address (fc00::/7)';
  if ((a & 0xffc0) === 0xfe80) return 'link-local address (fe80::/10)';
  if ((a & 0xffc0) === 0xfec0) return 'site-local address (fec0::/10)';
  if ((a & 0xff00) === 0xff00) return 'multicast address (ff00::/8)';
  return null;
}

/**
 * Why `url` may not be fetched by the edge, or null when it may: not http(s), or a host that is
 * loopback, private, link-local, carrier-grade NAT, multicast, reserved, or a local or metadata name.
 *
 * @example
 * privateUrlRule('http://2130706433/') // 'loopback address (127.0.0.0/8)'
 * privateUrlRule('https://hooks.example.com/x') // null
 */
export function privateUrlRule(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `the ${u.protocol.slice(0, -1)} scheme (only http and https)`;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return v6Rule(host.slice(1, -1));
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return v4Rule(host);
  for (const [re, what] of NAMES) if (re.test(host)) return what;
  return null;
}

/** The same check with the local-development opt-in: always null where private addresses are allowed. */
export function outboundUrlRule(env: { [ALLOW_PRIVATE_NETWORK]?: string }, url: string): string | null {
  return env[ALLOW_PRIVATE_NETWORK] === '1' ? null : privateUrlRule(url);
}
