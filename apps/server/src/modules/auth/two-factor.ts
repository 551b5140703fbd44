import { createHash } from 'node:crypto';

const sha256Hex = /^[0-9a-f]{64}$/;

/** A backup code as stored and compared: its SHA-256 (the codes carry about 60 random bits). */
export const hashBackupCode = (code: string): string =>
  createHash('sha256').update(code.trim()).digest('hex');

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
