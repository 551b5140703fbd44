import { createHmac } from 'node:crypto';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** A code typed this close to the end of its step may reach the server in the next one. */
const SAFETY_MS = 3_000;

/** RFC 4648 base32 (the secret of an otpauth:// URI); spaces, as apps print it, are skipped. */
function base32Decode(input: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of input.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/**
 * The code an authenticator app shows for a base32 secret at `now` (RFC 6238: HMAC-SHA1, 30 s
 * steps, 6 digits), computed apart from the server's library, as a real app would.
 */
export function totpCode(secret: string, now = Date.now()): string {
  const counter = Math.floor(now / 1000 / PERIOD_SECONDS);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac('sha1', base32Decode(secret)).update(message).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/**
 * A code with at least 3 s of its step left, waiting for the next step when this one is about
 * to roll over, so a journey never types a code that expires on the way.
 */
export async function freshTotpCode(secret: string): Promise<string> {
  const periodMs = PERIOD_SECONDS * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < SAFETY_MS) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return totpCode(secret);
}

/** A 6-digit code that is not the current one, nor its neighbours the server also accepts. */
export function wrongTotpCode(secret: string): string {
  const now = Date.now();
  const near = new Set(
    [-1, 0, 1].map((step) => totpCode(secret, now + step * PERIOD_SECONDS * 1000)),
  );
  for (let n = 0; ; n += 1) {
    const candidate = String((123456 + n * 111111) % 1_000_000).padStart(DIGITS, '0');
    if (!near.has(candidate)) return candidate;
  }
}
