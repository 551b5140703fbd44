import {
  postJson,
  readProblem,
  unreachableMessage,
  type TApiResult,
  type TProblemSummary,
} from '@/lib/api';

/** What `POST /v1/auth/two-factor/enable` answers: not on yet, until a code confirms it. */
export type TTotpSetup = { totpURI: string; qrCode: string; backupCodes: string[] };

const incomplete: TProblemSummary = {
  status: 200,
  message: 'The server answered without what this step needs. Reload the page and try again.',
};

const isCodeList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((code) => typeof code === 'string');

/** A POST whose refusal or network failure comes back as a problem to show, never a throw. */
async function post(path: string, body: unknown): Promise<TApiResult<unknown>> {
  try {
    const response = await postJson(path, body);
    if (!response.ok) return { ok: false, problem: await readProblem(response) };
    return { ok: true, answer: await response.json().catch(() => null) };
  } catch {
    return { ok: false, problem: { status: 0, message: unreachableMessage } };
  }
}

export async function startTotpSetup(password: string): Promise<TApiResult<TTotpSetup>> {
  const result = await post('/v1/auth/two-factor/enable', { password });
  if (!result.ok) return result;
  const answer = (result.answer ?? {}) as Partial<Record<keyof TTotpSetup, unknown>>;
  if (
    typeof answer.totpURI !== 'string' ||
    typeof answer.qrCode !== 'string' ||
    // Only an image from the API itself goes into the <img>.
    !answer.qrCode.startsWith('data:image/png;base64,') ||
    !isCodeList(answer.backupCodes)
  )
    return { ok: false, problem: incomplete };
  return {
    ok: true,
    answer: { totpURI: answer.totpURI, qrCode: answer.qrCode, backupCodes: answer.backupCodes },
  };
}

/** Signed in, a right code is what turns two-factor on (and rotates the session cookie). */
export async function confirmTotpSetup(code: string): Promise<TApiResult<null>> {
  const result = await post('/v1/auth/two-factor/verify-totp', { code });
  return result.ok ? { ok: true, answer: null } : result;
}

/** New backup codes; the old ones stop working. */
export async function regenerateBackupCodes(password: string): Promise<TApiResult<string[]>> {
  const result = await post('/v1/auth/two-factor/generate-backup-codes', { password });
  if (!result.ok) return result;
  const codes = (result.answer as { backupCodes?: unknown } | null)?.backupCodes;
  return isCodeList(codes) ? { ok: true, answer: codes } : { ok: false, problem: incomplete };
}

export async function turnOffTwoFactor(password: string): Promise<TApiResult<null>> {
  const result = await post('/v1/auth/two-factor/disable', { password });
  return result.ok ? { ok: true, answer: null } : result;
}
