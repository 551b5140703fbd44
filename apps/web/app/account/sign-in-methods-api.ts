import { getJson, postJson, readProblem, unreachableMessage, type TApiResult } from '@/lib/api';
import { parseSignInMethods, type TSignInMethod } from '@/lib/sign-in-providers';

/** The signed-in user's ways to sign in: the password and each connected provider. */
export async function listSignInMethods(): Promise<TApiResult<TSignInMethod[]>> {
  try {
    const response = await getJson('/v1/auth/list-accounts');
    if (!response.ok) return { ok: false, problem: await readProblem(response) };
    return { ok: true, answer: parseSignInMethods(await response.json()) };
  } catch {
    return { ok: false, problem: { status: 0, message: unreachableMessage } };
  }
}

/** Disconnects one way to sign in, by its row id; the server refuses the last one. */
export async function unlinkSignInMethod(id: string): Promise<TApiResult<null>> {
  try {
    const response = await postJson('/v1/auth/unlink-account', { accountId: id });
    if (!response.ok) return { ok: false, problem: await readProblem(response) };
    return { ok: true, answer: null };
  } catch {
    return { ok: false, problem: { status: 0, message: unreachableMessage } };
  }
}
