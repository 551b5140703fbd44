import { createHash, randomInt } from 'node:crypto';

const sha256Hex = /^[0-9a-f]{64}$/;

/** Lower case without look-alikes (no 0/o, 1/l/i): codes are read off paper and typed. */
const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes like `k7m2p-x9qrt`: 10 characters of 31, about 49 random bits each. */
export function generateBackupCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A backup code as stored and compared: the SHA-256 of its trimmed, lower-cased text. */
export const hashBackupCode = (code: string): string =>
  createHash('sha256').update(code.trim().toLowerCase()).digest('hex');

/**
 * better-auth's storage hooks for backup codes, so only hashes are at rest. It hands `encrypt`
 * the fresh codes when it generates them (hashed here) and the remaining ones after a code is
 * used (hashes already, kept); `decrypt` gives back the hashes, and the code a user sends is
 * hashed before the endpoint compares (auth.routes), so a stolen table yields no usable code.
 */
export const hashedBackupCodes = {
  encrypt: async (json: string): Promise<string> =>
    JSON.stringify(
      (JSON.parse(json) as string[]).map((code) =>
        sha256Hex.test(code) ? code : hashBackupCode(code),
      ),
    ),
  decrypt: async (stored: string): Promise<string> => stored,
};

/** Where an accepted TOTP code is remembered for a while (a hash: the code is not kept). */
export const usedTotpIdentifier = (userId: string, code: string): string =>
  `totp-used-${createHash('sha256').update(`${userId}:${code.trim()}`).digest('hex')}`;
