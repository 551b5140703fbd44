import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from '#server/platform/storage/local-storage';
import { contentDispositionOf, createUrlSigner } from '#server/platform/storage/signed-urls';
import { assertStorageKey, type FileStorage } from '#server/platform/storage/storage';

const secret = 'a-test-secret-that-is-long-enough-for-hmac';
const signer = createUrlSigner({ secret, baseUrl: 'https://corebase.example/' });

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function storageIn(): Promise<{ root: string; storage: FileStorage }> {
  const root = await mkdtemp(path.join(tmpdir(), 'corebase-storage-'));
  dirs.push(root);
  return { root, storage: createLocalStorage({ root, signer }) };
}

async function read(storage: FileStorage, key: string) {
  const file = await storage.get(key);
  if (!file) return undefined;
  return { ...file, body: (await buffer(file.body)).toString('utf8') };
}

describe('storage keys', () => {
  it('accepts segments of letters, digits, dot, underscore and dash', () => {
    for (const key of ['a', 'reports/org-1/r_2.pdf', '.hidden', 'a..b/c', 'x'.repeat(512)]) {
      expect(() => assertStorageKey(key)).not.toThrow();
    }
  });

  it('refuses climbing, absolute, empty or odd keys', () => {
    const bad = [
      '',
      '../x',
      'a/../x',
      '..',
      '/abs',
      'a//b',
      'a/./b',
      '.',
      'a/',
      'a\\b',
      'a b',
      'a~meta.json',
      'é',
      'a\nb',
      'a%2e',
      'x'.repeat(513),
    ];
    for (const key of bad) expect(() => assertStorageKey(key), key).toThrow(TypeError);
  });
});

describe('local storage', () => {
  it('puts, gets, replaces and deletes a file, keeping its content type', async () => {
    const { storage } = await storageIn();
    const key = 'reports/org-1/members.csv';
    expect(await storage.put(key, Buffer.from('a,b\r\n'), { contentType: 'text/csv' })).toEqual({
      sizeBytes: 5,
    });
    expect(await read(storage, key)).toEqual({
      body: 'a,b\r\n',
      contentType: 'text/csv',
      sizeBytes: 5,
    });

    const replacement = new TextEncoder().encode('%PDF-1.7 é');
    await storage.put(key, replacement, { contentType: 'application/pdf' });
    expect(await read(storage, key)).toEqual({
      body: '%PDF-1.7 é',
      contentType: 'application/pdf',
      sizeBytes: replacement.byteLength,
    });

    await storage.delete(key);
    expect(await storage.get(key)).toBeUndefined();
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it('answers undefined for a key that was never put', async () => {
    const { storage } = await storageIn();
    expect(await storage.get('nothing/here.pdf')).toBeUndefined();
    await expect(storage.delete('nothing/here.pdf')).resolves.toBeUndefined();
  });

  it('writes the file under root/<key> and leaves no temp file behind', async () => {
    const { root, storage } = await storageIn();
    await storage.put('a/b.txt', Buffer.from('x'), { contentType: 'text/plain' });
    expect((await readdir(path.join(root, 'a'))).sort()).toEqual(['b.txt', 'b.txt~meta.json']);
  });

  it('lists the keys under a folder (not sidecars), with when each was written', async () => {
    const { storage } = await storageIn();
    expect(await storage.list('reports')).toEqual([]);
    await storage.put('reports/o1/a.csv', Buffer.from('a'), { contentType: 'text/csv' });
    await storage.put('reports/o2/b.pdf', Buffer.from('b'), { contentType: 'application/pdf' });
    await storage.put('other/c.txt', Buffer.from('c'), { contentType: 'text/plain' });
    const listed = await storage.list('reports');
    expect(listed.map((f) => f.key).sort()).toEqual(['reports/o1/a.csv', 'reports/o2/b.pdf']);
    for (const file of listed) expect(Date.now() - file.modifiedAt.getTime()).toBeLessThan(60_000);
    await storage.delete('reports/o1/a.csv');
    expect((await storage.list('reports/')).map((f) => f.key)).toEqual(['reports/o2/b.pdf']);
  });

  it('refuses bad keys on every call', async () => {
    const { storage } = await storageIn();
    const body = Buffer.from('x');
    await expect(storage.put('../x', body, { contentType: 'text/plain' })).rejects.toThrow(
      TypeError,
    );
    await expect(storage.get('/etc/passwd')).rejects.toThrow(TypeError);
    await expect(storage.delete('a/../../x')).rejects.toThrow(TypeError);
    await expect(
      storage.signedUrl('a//b', { expiresInSeconds: 60, fileName: 'b' }),
    ).rejects.toThrow(TypeError);
  });

  it('refuses a relative root', () => {
    expect(() => createLocalStorage({ root: 'data/files', signer })).toThrow(/absolute/);
  });

  it('signs a download URL for a key', async () => {
    const { storage } = await storageIn();
    const { url, expiresAt } = await storage.signedUrl('r/1.pdf', {
      expiresInSeconds: 600,
      fileName: 'Members.pdf',
    });
    expect(url).toMatch(
      /^https:\/\/corebase\.example\/v1\/files\/r\/1\.pdf\?expires=\d+&name=Members\.pdf&signature=[\w-]{43}$/,
    );
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
  });
});

describe('signed URLs', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const fileName = 'Membres – “Zoë” 😀.pdf';

  /** The parts the route will see: the path after /v1/files/ and the decoded query. */
  function partsOf(url: string) {
    const parsed = new URL(url);
    return {
      key: parsed.pathname.replace(/^\/v1\/files\//, ''),
      expires: parsed.searchParams.get('expires') ?? '',
      fileName: parsed.searchParams.get('name') ?? '',
      signature: parsed.searchParams.get('signature') ?? '',
    };
  }

  it('round-trips a URL, and ends its life at the expiry', () => {
    const { url, expiresAt } = signer.sign('reports/o/r.pdf', {
      expiresInSeconds: 3600,
      fileName,
      now,
    });
    expect(url.startsWith('https://corebase.example/v1/files/reports/o/r.pdf?expires=')).toBe(true);
    expect(url).not.toContain('+');
    expect(expiresAt).toEqual(new Date('2026-12-01T13:00:00Z'));
    const parts = partsOf(url);
    expect(parts).toMatchObject({ key: 'reports/o/r.pdf', expires: '1796130000', fileName });
    expect(signer.verify({ ...parts, now })).toBe('ok');
    expect(signer.verify({ ...parts, expires: 1796130000, now })).toBe('ok');
    expect(signer.verify({ ...parts, now: new Date('2026-12-01T12:59:59Z') })).toBe('ok');
    expect(signer.verify({ ...parts, now: expiresAt })).toBe('expired');
    expect(signer.verify(parts)).toBe('expired');
  });

  it('refuses a tampered key, name, expiry or signature, and another secret', () => {
    const parts = partsOf(signer.sign('r/1.pdf', { expiresInSeconds: 60, fileName, now }).url);
    const flipped = parts.signature.startsWith('A')
      ? `B${parts.signature.slice(1)}`
      : `A${parts.signature.slice(1)}`;
    const tampered = [
      { key: 'r/2.pdf' },
      { key: '../r/1.pdf' },
      { fileName: 'other.pdf' },
      { fileName: `${fileName} ` },
      { expires: String(Number(parts.expires) + 3600) },
      { expires: `${parts.expires}.0` },
      { expires: '' },
      { signature: flipped },
      { signature: parts.signature.slice(0, -1) },
      { signature: `${parts.signature}=` },
      { signature: '' },
    ];
    for (const change of tampered) {
      expect(signer.verify({ ...parts, ...change, now }), JSON.stringify(change)).toBe('invalid');
    }
    const other = createUrlSigner({
      secret: Buffer.alloc(32, 7),
      baseUrl: 'https://corebase.example',
    });
    expect(other.verify({ ...parts, now })).toBe('invalid');
    // Even once expired: a forged link is reported as forged, not as merely old.
    expect(other.verify(parts)).toBe('invalid');
  });

  it('refuses a short secret, bad lifetimes and bad names', () => {
    expect(() => createUrlSigner({ secret: 'short', baseUrl: 'https://x' })).toThrow(/32 bytes/);
    expect(() => signer.sign('a', { expiresInSeconds: 0, fileName: 'a' })).toThrow(TypeError);
    expect(() => signer.sign('a', { expiresInSeconds: 1.5, fileName: 'a' })).toThrow(TypeError);
    expect(() => signer.sign('a', { expiresInSeconds: 60, fileName: '' })).toThrow(TypeError);
    expect(() => signer.sign('a', { expiresInSeconds: 60, fileName: 'a\ud800' })).toThrow(
      TypeError,
    );
  });
});

describe('contentDispositionOf', () => {
  it('gives an ASCII fallback and the UTF-8 name', () => {
    expect(contentDispositionOf('members.csv')).toBe(
      `attachment; filename="members.csv"; filename*=UTF-8''members.csv`,
    );
    expect(contentDispositionOf('Zoë’s "report" 100%/a\\b (1).pdf')).toBe(
      `attachment; filename="Zoe_s _report_ 100__a_b (1).pdf"; filename*=UTF-8''Zo%C3%AB%E2%80%99s%20%22report%22%20100%25%2Fa%5Cb%20%281%29.pdf`,
    );
  });

  it('cannot be used to inject a header, and survives odd strings', () => {
    const value = contentDispositionOf('a\r\nSet-Cookie: x=1.pdf');
    expect(value).not.toMatch(/[\r\n]/);
    expect(value).toContain(`filename="a__Set-Cookie: x=1.pdf"`);
    expect(contentDispositionOf('报告😀.pdf')).toBe(
      `attachment; filename="___.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%F0%9F%98%80.pdf`,
    );
    expect(contentDispositionOf('a\ud800.pdf')).toContain(`filename*=UTF-8''a%EF%BF%BD.pdf`);
  });
});
