import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, request as undiciRequest } from 'undici';

export type TSafeFetchOptions = {
  /**
   * Hosts (exact names or IP literals) and CIDRs allowed even if private/loopback — config
   * WEBHOOK_ALLOWED_HOSTS, so tests can target 127.0.0.1.
   */
  allow: readonly string[];
  /** The whole exchange — connect, headers and body — must finish within this. */
  timeoutMs: number;
  /** The body read is capped; larger bodies are truncated (not an error), `truncated: true`. */
  maxResponseBytes: number;
  /**
   * Replaces `dns.lookup` (all A/AAAA) for both the save-time check and the connect-time lookup.
   * For tests: it lets one name answer differently on each call, as a rebinding resolver does.
   */
  resolve?: (host: string) => Promise<string[]>;
};

export type TSafeResponse = {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  durationMs: number;
};

export type TUnsafeUrlReason =
  /** Not an absolute URL, or one without a host. */
  | 'invalid_url'
  /** Not http: or https:. */
  | 'scheme'
  /** The URL carries `user:pass@`, which would be sent to the receiver and logged with the URL. */
  | 'credentials'
  /** The host is, or resolves to, a private, loopback, link-local or otherwise reserved address. */
  | 'blocked_address'
  /** The host name does not resolve. */
  | 'unresolvable';

/** The URL may not be called. `detail` names the host and what it resolved to. */
export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';

  constructor(
    readonly reason: TUnsafeUrlReason,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export type TOutboundRequestReason =
  /** No complete answer within `timeoutMs`. */
  | 'timeout'
  /** The connection could not be made or broke (refused, reset, TLS failure). */
  | 'connection'
  /** Reserved: redirects are never followed; a 3xx comes back as a response with its status. */
  | 'redirect';

/** The URL was acceptable but the exchange failed. */
export class OutboundRequestError extends Error {
  override readonly name = 'OutboundRequestError';

  constructor(
    readonly reason: TOutboundRequestReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type TAddress = ipaddr.IPv4 | ipaddr.IPv6;
type TCidr = [TAddress, number];
type TBlockedRange = { cidr: TCidr; text: string; label: string };

const block = (text: string, label: string): TBlockedRange => ({
  cidr: ipaddr.parseCIDR(text),
  text,
  label,
});

// The more specific range comes first so the detail names the most telling one.
const blockedIPv4: readonly TBlockedRange[] = [
  block('0.0.0.0/8', '"this network"'),
  block('10.0.0.0/8', 'private'),
  block('100.64.0.0/10', 'carrier-grade NAT'),
  block('127.0.0.0/8', 'loopback'),
  block('169.254.0.0/16', 'link-local, where cloud metadata services live'),
  block('172.16.0.0/12', 'private'),
  block('192.0.0.0/24', 'IETF protocol assignments'),
  block('192.0.2.0/24', 'documentation'),
  block('192.168.0.0/16', 'private'),
  block('198.18.0.0/15', 'benchmarking'),
  block('198.51.100.0/24', 'documentation'),
  block('203.0.113.0/24', 'documentation'),
  block('192.88.99.0/24', '6to4 relay anycast, deprecated'),
  block('224.0.0.0/4', 'multicast'),
  block('255.255.255.255/32', 'broadcast'),
  block('240.0.0.0/4', 'reserved'),
];

const blockedIPv6: readonly TBlockedRange[] = [
  block('::/128', 'unspecified'),
  block('::1/128', 'loopback'),
  block('fc00::/7', 'unique-local, private; AWS metadata fd00:ec2::254 is here'),
  block('fe80::/10', 'link-local'),
  block('fec0::/10', 'site-local, deprecated'),
  block('ff00::/8', 'multicast'),
  block('2001:db8::/32', 'documentation'),
  block('100::/64', 'discard-only'),
  // Teredo tunnels carry an (obfuscated) IPv4 address; no webhook receiver lives there.
  block('2001::/32', 'Teredo'),
  block('2001:2::/48', 'benchmarking'),
  block('3fff::/20', 'documentation'),
  // Local-use NAT64 places the IPv4 address at an operator-chosen offset: refuse the prefix.
  block('64:ff9b:1::/48', 'local-use NAT64'),
];

/**
 * IPv6 prefixes that carry an IPv4 address which the network turns back into IPv4 traffic: the
 * embedded address is what gets reached, so it is what is checked. `offset` is the index of the
 * first 16-bit part holding it.
 */
const embeddingIPv6: readonly { cidr: TCidr; text: string; label: string; offset: number }[] = [
  { ...block('::ffff:0:0/96', 'IPv4-mapped'), offset: 6 },
  { ...block('::ffff:0:0:0/96', 'IPv4-translated'), offset: 6 },
  { ...block('64:ff9b::/96', 'NAT64'), offset: 6 },
  { ...block('::/96', 'IPv4-compatible'), offset: 6 },
  { ...block('2002::/16', '6to4'), offset: 1 },
];

type TVerdict =
  | { blocked: false }
  | { blocked: true; range: string; label: string; via?: { label: string; ipv4: string } };

function matches(address: TAddress, cidr: TCidr): boolean {
  return address.kind() === cidr[0].kind() && address.match(cidr);
}

function embeddedIPv4(address: ipaddr.IPv6): { label: string; ipv4: ipaddr.IPv4 } | null {
  for (const embedding of embeddingIPv6) {
    if (!address.match(embedding.cidr)) continue;
    const high = address.parts[embedding.offset] ?? 0;
    const low = address.parts[embedding.offset + 1] ?? 0;
    return {
      label: embedding.label,
      ipv4: new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]),
    };
  }
  return null;
}

function classify(address: TAddress): TVerdict {
  if (address.kind() === 'ipv4') {
    const hit = blockedIPv4.find((range) => matches(address, range.cidr));
    return hit ? { blocked: true, range: hit.text, label: hit.label } : { blocked: false };
  }
  const hit = blockedIPv6.find((range) => matches(address, range.cidr));
  if (hit) return { blocked: true, range: hit.text, label: hit.label };
  const embedded = embeddedIPv4(address as ipaddr.IPv6);
  if (!embedded) return { blocked: false };
  const inner = classify(embedded.ipv4);
  return inner.blocked
    ? { ...inner, via: { label: embedded.label, ipv4: embedded.ipv4.toString() } }
    : inner;
}

/** Lower-case, without a trailing root dot: `Example.COM.` and `example.com` are one host. */
function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.$/, '');
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

const allowHint = "unless the server's allow list (WEBHOOK_ALLOWED_HOSTS) includes them";

type TPolicy = {
  isAllowedName(host: string): boolean;
  isAllowedAddress(address: TAddress): boolean;
};

function createPolicy(allow: readonly string[]): TPolicy {
  const names = new Set<string>();
  const cidrs: TCidr[] = [];
  for (const raw of allow) {
    const entry = normalizeHost(raw.trim());
    if (entry === '') continue;
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new TypeError(`Not a valid CIDR in allow: "${raw}"`);
      cidrs.push(ipaddr.parseCIDR(entry));
    } else if (isIP(entry) !== 0) {
      const address = ipaddr.parse(entry);
      cidrs.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else {
      names.add(entry);
    }
  }
  return {
    isAllowedName: (host) => names.has(host),
    isAllowedAddress(address) {
      if (cidrs.some((cidr) => matches(address, cidr))) return true;
      // So that allowing 127.0.0.1 also allows ::ffff:127.0.0.1, the same socket address; other
      // embeddings (6to4, NAT64) reach other hosts and are not allowed by an IPv4 entry.
      if (address.kind() !== 'ipv6' || !address.match(ipaddr.parseCIDR('::ffff:0:0/96'))) {
        return false;
      }
      const embedded = embeddedIPv4(address as ipaddr.IPv6);
      return embedded !== null && cidrs.some((cidr) => matches(embedded.ipv4, cidr));
    },
  };
}

function parseAddress(text: string): TAddress | null {
  try {
    // Node answers link-local IPv6 with a zone (`fe80::1%eth0`); ipaddr.js keeps it apart.
    return ipaddr.parse(text);
  } catch {
    return null;
  }
}

/**
 * Throws unless every address is acceptable for `host`. All must pass: a resolver that mixes a
 * public address with an internal one leaves the choice of target to the connecting code.
 */
function checkAddresses(policy: TPolicy, host: string, addresses: readonly string[]): void {
  const prefix = isIP(host) !== 0 ? '' : `${host} resolves to ${addresses.join(', ')}: `;
  for (const text of addresses) {
    const address = parseAddress(text);
    if (!address) {
      throw new UnsafeUrlError(
        'blocked_address',
        `${prefix}${text} is not an IP address that can be checked, so it is refused.`,
      );
    }
    if (policy.isAllowedAddress(address)) continue;
    if (isLocalhostName(host)) {
      throw new UnsafeUrlError(
        'blocked_address',
        `${prefix}"localhost" names always mean this server, so they are refused ${allowHint}.`,
      );
    }
    const verdict = classify(address);
    if (!verdict.blocked) continue;
    const via = verdict.via ? ` (${verdict.via.label} ${verdict.via.ipv4})` : '';
    throw new UnsafeUrlError(
      'blocked_address',
      `${prefix}${text}${via} is in ${verdict.range} (${verdict.label}); requests may only go to public addresses ${allowHint}.`,
    );
  }
}

type TTarget = { url: URL; host: string };

/** Everything that can be decided from the URL alone. */
function checkUrl(policy: TPolicy, input: string): TTarget {
  let url: URL;
  try {
    url = new URL(input);
  } catch (error) {
    throw new UnsafeUrlError(
      'invalid_url',
      `"${input}" is not a valid absolute URL; give one such as https://example.com/hooks.`,
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError(
      'scheme',
      `${url.protocol.replace(/:$/, '')}: URLs are refused; use an http:// or https:// URL.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeUrlError(
      'credentials',
      `The URL for ${url.hostname} carries a user name or password (user:pass@); remove it and send credentials in a header instead.`,
    );
  }
  // WHATWG URL has already turned 0x7f000001, 2130706433, 0177.0.0.1 and 127.1 into 127.0.0.1.
  const host = normalizeHost(url.hostname);
  if (host === '') {
    throw new UnsafeUrlError(
      'invalid_url',
      `"${input}" has no host; give one such as example.com.`,
    );
  }
  if (isIP(host) !== 0) checkAddresses(policy, host, [host]);
  return { url, host };
}

/** A lookup holds a libuv pool thread: one that takes longer than this counts as unresolvable. */
const lookupDeadlineMs = 5_000;

async function resolveWithDns(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(Object.assign(new Error(`DNS lookup of ${host} timed out`), { code: 'ETIMEOUT' })),
      lookupDeadlineMs,
    );
  });
  try {
    const answers = await Promise.race([dns.lookup(host, { all: true, verbatim: true }), deadline]);
    return answers.map((answer) => answer.address);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves `host` and refuses it unless its name is allowed or every address passes. */
async function resolveChecked(
  policy: TPolicy,
  resolve: (host: string) => Promise<string[]>,
  host: string,
): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnsafeUrlError(
      'unresolvable',
      `${host} could not be resolved${code ? ` (${code})` : ''}; check the host name.`,
      { cause: error },
    );
  }
  if (addresses.length === 0) {
    throw new UnsafeUrlError('unresolvable', `${host} has no address; check the host name.`);
  }
  if (!policy.isAllowedName(host)) checkAddresses(policy, host, addresses);
  return addresses;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>) {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

const timeoutCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function createSafeFetch(options: TSafeFetchOptions) {
  const policy = createPolicy(options.allow);
  const resolve = options.resolve ?? resolveWithDns;

  /**
   * net calls this for every host name it connects to, so the address checked is the address
   * dialled: a resolver that answers differently between save time and send time (DNS
   * rebinding) is caught here. net skips it for IP literals; `connect` below checks those.
   */
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const host = normalizeHost(hostname);
    const answer = resolveChecked(policy, resolve, host);
    answer.then(
      (addresses) => {
        const wanted = lookupOptions.family;
        const family = wanted === 'IPv4' ? 4 : wanted === 'IPv6' ? 6 : wanted;
        const usable = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((entry) => entry.family !== 0 && (!family || entry.family === family));
        const first = usable[0];
        if (!first) {
          callback(new UnsafeUrlError('unresolvable', `${host} has no usable address.`), '', 0);
        } else if (lookupOptions.all) {
          callback(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: Error) => callback(error, '', 0),
    );
  };

  const connector = buildConnector({ lookup, timeout: options.timeoutMs });

  const agent = new Agent({
    maxRedirections: 0,
    connect(connectOptions, callback) {
      const host = normalizeHost(connectOptions.hostname);
      if (isIP(host) !== 0) {
        try {
          checkAddresses(policy, host, [host]);
        } catch (error) {
          callback(error as Error, null);
          return;
        }
      }
      connector(connectOptions, callback);
    },
  });

  async function assertSafeUrl(url: string): Promise<void> {
    const { host } = checkUrl(policy, url);
    if (isIP(host) !== 0) return;
    await resolveChecked(policy, resolve, host);
  }

  async function request(input: {
    url: string;
    method?: 'POST' | 'GET';
    headers: Record<string, string>;
    body?: string;
  }): Promise<TSafeResponse> {
    const { url, host } = checkUrl(policy, input.url);
    const started = performance.now();
    const controller = new AbortController();
    const timeoutError = new OutboundRequestError(
      'timeout',
      `${host} did not answer within ${options.timeoutMs} ms.`,
    );
    const timer = setTimeout(() => controller.abort(timeoutError), options.timeoutMs);
    try {
      const response = await undiciRequest(url, {
        dispatcher: agent,
        method: input.method ?? 'POST',
        headers: input.headers,
        body: input.body,
        signal: controller.signal,
        maxRedirections: 0,
      });
      const chunks: Buffer[] = [];
      let received = 0;
      let truncated = false;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const room = options.maxResponseBytes - received;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          received += room;
          truncated = true;
          // Leaving the loop destroys the body, which drops the connection mid-stream.
          break;
        }
        chunks.push(chunk);
        received += chunk.length;
      }
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: Buffer.concat(chunks).toString('utf8'),
        truncated,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (error instanceof UnsafeUrlError || error instanceof OutboundRequestError) throw error;
      const code = (error as { code?: unknown }).code;
      if (controller.signal.aborted || (typeof code === 'string' && timeoutCodes.has(code))) {
        throw new OutboundRequestError(timeoutError.reason, timeoutError.message, { cause: error });
      }
      // A bad header or method is the caller's bug, not the receiver's failure.
      if (code === 'UND_ERR_INVALID_ARG') throw error;
      throw new OutboundRequestError(
        'connection',
        `Could not complete the request to ${host}: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    assertSafeUrl,
    request,
    close: () => agent.close(),
  };
}
