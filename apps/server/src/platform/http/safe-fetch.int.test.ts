import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createSafeFetch,
  OutboundRequestError,
  type TSafeFetchOptions,
  UnsafeUrlError,
} from '#server/platform/http/safe-fetch';

type TLocalServer = { port: number; origin: string; seen: IncomingMessage[] };

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A real HTTP server on loopback that records every request reaching it. */
async function startServer(handler: RequestListener = (_, res) => res.end('ok')) {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { port, origin: `http://127.0.0.1:${port}`, seen } satisfies TLocalServer;
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const client of opened.splice(0)) await client.close();
});

function open(options: Partial<TSafeFetchOptions> = {}) {
  const client = createSafeFetch({
    allow: [],
    timeoutMs: 5_000,
    maxResponseBytes: 64 * 1024,
    ...options,
  });
  opened.push(client);
  return client;
}

/** A resolver that fails the test if anything asks it: literals must need no DNS. */
const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`resolver called for ${host}`);
};

async function unsafe(promise: Promise<unknown>): Promise<UnsafeUrlError> {
  const error: unknown = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnsafeUrlError);
  return error as UnsafeUrlError;
}

async function outbound(promise: Promise<unknown>): Promise<OutboundRequestError> {
  const error: unknown = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundRequestError);
  return error as OutboundRequestError;
}

describe('a receiver on loopback', () => {
  it('is refused unless allowed, by the save-time check and at send time', async () => {
    const target = await startServer();
    const client = open();

    const atSave = await unsafe(client.assertSafeUrl(`${target.origin}/hooks`));
    expect(atSave.reason).toBe('blocked_address');
    expect(atSave.detail).toContain('127.0.0.1');
    expect(atSave.detail).toContain('127.0.0.0/8');

    const atSend = await unsafe(client.request({ url: `${target.origin}/hooks`, headers: {} }));
    expect(atSend.reason).toBe('blocked_address');
    expect(atSend.detail).toContain('127.0.0.1');
    expect(target.seen).toHaveLength(0);
  });

  it('is reached when its address is allowed, with method, headers and body as given', async () => {
    const target = await startServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.setHeader('x-echo-signature', String(req.headers['x-signature']));
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end(`${req.method} ${req.url} ${body}`);
      });
    });
    const client = open({ allow: ['127.0.0.1'] });

    await client.assertSafeUrl(`${target.origin}/hooks`);
    const response = await client.request({
      url: `${target.origin}/hooks?x=1`,
      headers: { 'content-type': 'application/json', 'x-signature': 'sig' },
      body: '{"a":1}',
    });
    expect(response).toMatchObject({
      status: 200,
      body: 'POST /hooks?x=1 {"a":1}',
      truncated: false,
    });
    expect(response.headers['x-echo-signature']).toBe('sig');
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
    expect(response.durationMs).toBeGreaterThanOrEqual(0);

    const get = await client.request({ url: target.origin, method: 'GET', headers: {} });
    expect(get.body).toBe('GET / ');
  });

  it('is reached through an allowed CIDR, and allowing 127.0.0.1 covers ::ffff:127.0.0.1', async () => {
    const target = await startServer();
    await open({ allow: ['127.0.0.0/8'] }).assertSafeUrl(target.origin);
    const mapped = `http://[::ffff:127.0.0.1]:${target.port}/`;
    await open({ allow: ['127.0.0.1'], resolve: noDns }).assertSafeUrl(mapped);
    expect(() => open({ allow: ['127.0.0.1/33'] })).toThrow(TypeError);
    // Other embeddings reach other hosts: an IPv4 entry does not allow them.
    const allowed = open({ allow: ['127.0.0.1', '10.0.0.0/8'], resolve: noDns });
    for (const url of [
      'http://[2002:7f00:1::]/',
      'http://[2002:a00:1:ffff::1]/',
      'http://[64:ff9b::a00:1]/',
      'http://[::a00:1]/',
    ]) {
      expect((await unsafe(allowed.assertSafeUrl(url))).reason, url).toBe('blocked_address');
    }
  });

  it('answers a refused connection with OutboundRequestError connection', async () => {
    const target = await startServer();
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));

    const client = open({ allow: ['127.0.0.1'] });
    const error = await outbound(client.request({ url: `http://127.0.0.1:${port}/`, headers: {} }));
    expect(error.reason).toBe('connection');
    expect(error.message).toContain('127.0.0.1');
    expect(target.seen).toHaveLength(0);
  });
});

describe('literal addresses', () => {
  // Each is refused from the URL alone: no resolver is consulted and no connection is made.
  it.each([
    ['http://0.0.0.0/', '0.0.0.0/8'],
    ['http://0.1.2.3:8080/', '0.0.0.0/8'],
    ['http://10.0.0.1/', '10.0.0.0/8'],
    ['http://10.255.255.255/', '10.0.0.0/8'],
    ['http://100.64.0.1/', '100.64.0.0/10'],
    ['http://100.127.255.254/', '100.64.0.0/10'],
    ['http://127.0.0.1/', '127.0.0.0/8'],
    ['https://127.1.2.3:8443/x', '127.0.0.0/8'],
    ['http://169.254.169.254/latest/meta-data', '169.254.0.0/16'],
    ['http://169.254.0.1/', '169.254.0.0/16'],
    ['http://172.16.0.1/', '172.16.0.0/12'],
    ['http://172.31.255.255/', '172.16.0.0/12'],
    ['http://192.0.0.8/', '192.0.0.0/24'],
    ['http://192.0.2.1/', '192.0.2.0/24'],
    ['http://192.168.1.1/', '192.168.0.0/16'],
    ['http://198.18.0.1/', '198.18.0.0/15'],
    ['http://198.19.255.255/', '198.18.0.0/15'],
    ['http://198.51.100.7/', '198.51.100.0/24'],
    ['http://203.0.113.9/', '203.0.113.0/24'],
    ['http://224.0.0.1/', '224.0.0.0/4'],
    ['http://239.255.255.250/', '224.0.0.0/4'],
    ['http://240.0.0.1/', '240.0.0.0/4'],
    ['http://255.255.255.255/', '255.255.255.255/32'],
    ['http://[::]/', '::/128'],
    ['http://[::1]/', '::1/128'],
    ['http://[::1]:3000/hooks', '::1/128'],
    ['http://[fc00::1]/', 'fc00::/7'],
    ['http://[fd12:3456::1]/', 'fc00::/7'],
    ['http://[fd00:ec2::254]/', 'fc00::/7'],
    ['http://[fe80::1]/', 'fe80::/10'],
    ['http://[febf:ffff::1]/', 'fe80::/10'],
    ['http://[ff02::1]/', 'ff00::/8'],
    ['http://[2001:db8::1]/', '2001:db8::/32'],
    ['http://[::ffff:127.0.0.1]/', '127.0.0.0/8'],
    ['http://[::ffff:169.254.169.254]/', '169.254.0.0/16'],
    ['http://[::ffff:10.0.0.1]/', '10.0.0.0/8'],
    ['http://[64:ff9b::127.0.0.1]/', '127.0.0.0/8'],
    ['http://[64:ff9b::a9fe:a9fe]/', '169.254.0.0/16'],
    ['http://[::127.0.0.1]/', '127.0.0.0/8'],
    ['http://[2002:7f00:1::]/', '127.0.0.0/8'],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', '2001::/32'],
    ['http://[2001:2::1]/', '2001:2::/48'],
    ['http://[3fff::1]/', '3fff::/20'],
    ['http://192.88.99.1/', '192.88.99.0/24'],
    // WHATWG URL reads these as IPv4 in other notations: all are 127.0.0.1.
    ['http://0x7f000001/', '127.0.0.0/8'],
    ['http://2130706433/', '127.0.0.0/8'],
    ['http://0177.0.0.1/', '127.0.0.0/8'],
    ['http://127.1/', '127.0.0.0/8'],
    ['http://0xa9.0xfe.0xa9.0xfe/latest/meta-data', '169.254.0.0/16'],
  ])('refuses %s (%s)', async (url, range) => {
    const error = await unsafe(open({ resolve: noDns }).assertSafeUrl(url));
    expect(error.reason).toBe('blocked_address');
    expect(error.detail).toContain(range);
  });

  it('sees the other IPv4 notations as 127.0.0.1 once WHATWG URL has normalized them', () => {
    for (const url of ['http://0x7f000001/', 'http://2130706433/', 'http://0177.0.0.1/']) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
    }
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
  });

  it('names the embedded IPv4 address of a mapped one', async () => {
    const error = await unsafe(open().assertSafeUrl('http://[::ffff:169.254.169.254]/'));
    expect(error.detail).toContain(
      '::ffff:a9fe:a9fe (IPv4-mapped 169.254.169.254) is in 169.254.0.0/16',
    );
  });

  it.each([
    'http://93.184.215.14/',
    'https://93.184.215.14:8443/hooks',
    'http://172.32.0.1/',
    'http://100.128.0.1/',
    'http://198.20.0.1/',
    'http://[2606:4700:4700::1111]/',
    'http://[64:ff9b::808:808]/',
    'http://[::ffff:8.8.8.8]/',
  ])('passes the public address %s without DNS or a connection', async (url) => {
    await expect(open({ resolve: noDns }).assertSafeUrl(url)).resolves.toBeUndefined();
  });

  it('refuses a blocked literal at send time too', async () => {
    const target = await startServer();
    const error = await unsafe(
      open().request({ url: `http://[::ffff:127.0.0.1]:${target.port}/`, headers: {} }),
    );
    expect(error.reason).toBe('blocked_address');
    expect(target.seen).toHaveLength(0);
  });
});

describe('host names', () => {
  it('refuses localhost, by the real resolver, at save and at send time', async () => {
    const target = await startServer();
    const client = open();
    for (const url of [`http://localhost:${target.port}/`, `http://LOCALHOST.:${target.port}/`]) {
      const error = await unsafe(client.assertSafeUrl(url));
      expect(error.reason).toBe('blocked_address');
      expect(error.detail).toContain('localhost resolves to 127.0.0.1');
    }
    const error = await unsafe(
      client.request({ url: `http://localhost:${target.port}/`, headers: {} }),
    );
    expect(error.reason).toBe('blocked_address');
    expect(target.seen).toHaveLength(0);
  });

  it('refuses a *.localhost name even when its resolver answers a public address', async () => {
    const client = open({ resolve: async () => ['93.184.215.14'] });
    const error = await unsafe(client.assertSafeUrl('http://api.localhost/'));
    expect(error.reason).toBe('blocked_address');
    expect(error.detail).toContain('"localhost" names');
  });

  it('reaches localhost when the name is allowed', async () => {
    const target = await startServer();
    const client = open({ allow: ['localhost'] });
    await client.assertSafeUrl(`http://localhost:${target.port}/`);
    const response = await client.request({ url: `http://localhost:${target.port}/`, headers: {} });
    expect(response.status).toBe(200);
    expect(target.seen).toHaveLength(1);
  });

  it('refuses a name resolving to loopback, naming the host and the address', async () => {
    const client = open({ resolve: async () => ['127.0.0.1'] });
    const error = await unsafe(client.assertSafeUrl('https://hooks.example.com/in'));
    expect(error.reason).toBe('blocked_address');
    expect(error.detail).toContain('hooks.example.com resolves to 127.0.0.1');
  });

  it('refuses a name when any one of its addresses is blocked', async () => {
    const client = open({ resolve: async () => ['93.184.215.14', '2606:4700::1', 'fd00::5'] });
    const error = await unsafe(client.assertSafeUrl('https://mixed.example.com/'));
    expect(error.reason).toBe('blocked_address');
    expect(error.detail).toContain('fd00::5');
  });

  it('passes a name whose addresses are all public', async () => {
    const client = open({ resolve: async () => ['93.184.215.14', '2606:2800:21f:cb07::1'] });
    await expect(client.assertSafeUrl('https://example.com/')).resolves.toBeUndefined();
  });

  it('reports a name that does not resolve as unresolvable', async () => {
    const client = open();
    const atSave = await unsafe(client.assertSafeUrl('https://nonexistent.invalid/hooks'));
    expect(atSave.reason).toBe('unresolvable');
    expect(atSave.detail).toContain('nonexistent.invalid');
    const atSend = await unsafe(
      client.request({ url: 'http://nonexistent.invalid/', headers: {} }),
    );
    expect(atSend.reason).toBe('unresolvable');
  });

  it('checks again at connect time, so a name rebound to loopback after the check is refused', async () => {
    const target = await startServer();
    const answers = [['93.184.215.14'], ['127.0.0.1']];
    const client = open({ resolve: async () => answers.shift() ?? ['127.0.0.1'] });
    const url = `http://rebind.example.com:${target.port}/hooks`;

    await client.assertSafeUrl(url);
    const error = await unsafe(client.request({ url, headers: {} }));
    expect(error.reason).toBe('blocked_address');
    expect(error.detail).toContain('rebind.example.com resolves to 127.0.0.1');
    expect(target.seen).toHaveLength(0);
  });

  it('connects to the address the checked lookup answered', async () => {
    const target = await startServer();
    const client = open({ allow: ['127.0.0.1'], resolve: async () => ['127.0.0.1'] });
    const response = await client.request({
      url: `http://hooks.example.com:${target.port}/`,
      headers: {},
    });
    expect(response.status).toBe(200);
    expect(target.seen[0]?.headers.host).toBe(`hooks.example.com:${target.port}`);
  });
});

describe('URL shape', () => {
  it.each([
    ['ftp://example.com/file', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['gopher://127.0.0.1:6379/_INFO', 'scheme'],
    ['http://user:pass@example.com/', 'credentials'],
    ['https://token@example.com/', 'credentials'],
    ['http://:secret@example.com/', 'credentials'],
    ['not a url', 'invalid_url'],
    ['', 'invalid_url'],
    ['//example.com/relative', 'invalid_url'],
    ['http://', 'invalid_url'],
    ['http://exa mple.com/', 'invalid_url'],
  ])('refuses %j as %s', async (url, reason) => {
    const error = await unsafe(open({ resolve: noDns }).assertSafeUrl(url));
    expect(error.reason).toBe(reason);
    expect(error.detail.length).toBeGreaterThan(10);
    await expect(open({ resolve: noDns }).request({ url, headers: {} })).rejects.toMatchObject({
      reason,
    });
  });
});

describe('responses', () => {
  it('returns a 302 as it is and never follows its Location', async () => {
    const elsewhere = await startServer();
    const target = await startServer((_, res) => {
      res.writeHead(302, { location: `${elsewhere.origin}/stolen` });
      res.end();
    });
    const client = open({ allow: ['127.0.0.1'] });
    const response = await client.request({ url: `${target.origin}/hooks`, headers: {} });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${elsewhere.origin}/stolen`);
    expect(target.seen).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('times out a receiver that never answers', async () => {
    const target = await startServer(() => undefined);
    const client = open({ allow: ['127.0.0.1'], timeoutMs: 200 });
    const started = Date.now();
    const error = await outbound(client.request({ url: target.origin, headers: {} }));
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(target.seen).toHaveLength(1);
  });

  it('times out a receiver that stalls in the middle of its body', async () => {
    const target = await startServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const client = open({ allow: ['127.0.0.1'], timeoutMs: 200 });
    const error = await outbound(client.request({ url: target.origin, headers: {} }));
    expect(error.reason).toBe('timeout');
  });

  it('truncates a 1 MB body to maxResponseBytes', async () => {
    const megabyte = 'x'.repeat(1024 * 1024);
    const target = await startServer((_, res) => res.end(megabyte));
    const client = open({ allow: ['127.0.0.1'], maxResponseBytes: 1000 });
    const response = await client.request({ url: target.origin, headers: {} });
    expect(response.status).toBe(200);
    expect(response.body).toBe('x'.repeat(1000));
    expect(response.truncated).toBe(true);

    const exact = await open({ allow: ['127.0.0.1'], maxResponseBytes: 1024 * 1024 }).request({
      url: target.origin,
      headers: {},
    });
    expect(exact.body.length).toBe(1024 * 1024);
    expect(exact.truncated).toBe(false);
  });
});
