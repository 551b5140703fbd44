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

/** The last step whose code a journey typed, per secret: the server takes each code once. */
const usedSteps = new Map<string, number>();

/**
 * A code with at least 3 s of its step left, waiting for the next step when this one is about
 * to roll over, so a journey never types a code that expires on the way. The server accepts a
 * code once, and the codes of the neighbouring steps too: when this step's code was typed
 * already, the next step's is used (an app a few seconds fast would show it).
 */
export async function freshTotpCode(secret: string): Promise<string> {
  const periodMs = PERIOD_SECONDS * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < SAFETY_MS) await new Promise((resolve) => setTimeout(resolve, left + 50));
  const now = Date.now();
  const current = Math.floor(now / periodMs);
  const used = usedSteps.get(secret);
  const step = used !== undefined && used >= current ? used + 1 : current;
  if (step > current + 1) {
    // Both this step's and the next one's codes are spent: wait for a step of its own.
    await new Promise((resolve) => setTimeout(resolve, (step - 1) * periodMs - now + 50));
  }
  usedSteps.set(secret, step);
  return totpCode(secret, step * periodMs);
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
