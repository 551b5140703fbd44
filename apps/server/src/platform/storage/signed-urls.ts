import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertStorageKey } from '#server/platform/storage/storage';

export type TUrlVerdict = 'ok' | 'expired' | 'invalid';

export type UrlSigner = {
  /** `${baseUrl}/v1/files/${key}?expires=<unix seconds>&name=<fileName>&signature=<base64url>`. */
  sign(
    key: string,
    options: { expiresInSeconds: number; fileName: string; now?: Date },
  ): { url: string; expiresAt: Date };
  /**
   * Checks the parts of such a URL as the route received them (`name` decoded). The signature is
   * checked before the expiry, so 'expired' means the link was genuine.
   */
  verify(input: {
    key: string;
    expires: string | number;
    fileName: string;
    signature: string;
    now?: Date;
  }): TUrlVerdict;
};

const minSecretBytes = 32;
const unixSeconds = /^[0-9]{1,12}$/;

/**
 * Download links for local files, the stand-in for S3 presigned URLs. The signature covers the
 * key, the expiry and the file name (which becomes Content-Disposition), so none can be changed.
 */
export function createUrlSigner(options: { secret: Buffer | string; baseUrl: string }): UrlSigner {
  const secret = Buffer.from(options.secret);
  if (secret.length < minSecretBytes) {
    throw new TypeError(`createUrlSigner: the secret needs at least ${minSecretBytes} bytes`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  // A JSON array frames the parts unambiguously whatever the name holds; the tag keeps these
  // signatures apart from anything else signed with the same secret.
  const signatureOf = (key: string, expires: string, fileName: string) =>
    createHmac('sha256', secret)
      .update(JSON.stringify(['corebase.file-url.v1', key, expires, fileName]))
      .digest('base64url');

  return {
    sign(key, { expiresInSeconds, fileName, now = new Date() }) {
      assertStorageKey(key);
      if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
        throw new TypeError('sign: expiresInSeconds must be a whole number ≥ 1');
      }
      // A lone surrogate cannot survive percent-encoding, so it could never verify.
      if (fileName === '' || /\p{Cs}/u.test(fileName)) {
        throw new TypeError('sign: fileName must be a non-empty, well-formed string');
      }
      const expires = String(Math.floor(now.getTime() / 1000) + expiresInSeconds);
      const signature = signatureOf(key, expires, fileName);
      // Key segments and base64url are URL-safe as they are (assertStorageKey).
      return {
        url: `${baseUrl}/v1/files/${key}?expires=${expires}&name=${encodeURIComponent(fileName)}&signature=${signature}`,
        expiresAt: new Date(Number(expires) * 1000),
      };
    },

    verify({ key, expires, fileName, signature, now = new Date() }) {
      const expiresText = String(expires);
      try {
        assertStorageKey(key);
      } catch {
        return 'invalid';
      }
      if (!unixSeconds.test(expiresText)) return 'invalid';
      // Compared as text, so only the one canonical base64url spelling passes.
      const given = Buffer.from(signature);
      const expected = Buffer.from(signatureOf(key, expiresText, fileName));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      return now.getTime() >= Number(expiresText) * 1000 ? 'expired' : 'ok';
    },
  };
}

/** RFC 5987 attr-char: what may stand unescaped in `filename*`. */
const attrChar = /^[A-Za-z0-9!#$&+.^_`|~-]$/;

/**
 * `attachment; filename="<fallback>"; filename*=UTF-8''<name>` (RFC 6266). The quoted fallback
 * is for old clients: ASCII, accents stripped, and no quote, backslash, slash or `%` (some
 * clients percent-decode it); every current browser uses `filename*`.
 */
export function contentDispositionOf(fileName: string): string {
  const fallback = fileName
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]|["\\/%]/gu, '_');
  // Buffer.from turns a lone surrogate into U+FFFD, where encodeURIComponent would throw.
  let encoded = '';
  for (const byte of Buffer.from(fileName, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += attrChar.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
