import { ZProblem, type TFieldError, type TSessionImpersonation } from '@corebase/contracts';

/** What a person reads when fetch itself failed (offline, server down, blocked). */
export const unreachableMessage =
  'The server could not be reached. Check your connection and try again.';

/**
 * A refusal from the API: the sentence to show, and what to branch on. `reason` is
 * better-auth's own code, lower-cased (`password_too_common`, `invalid_token`, …); see
 * docs/security.md, "Errors".
 */
export type TProblemSummary = {
  status: number;
  message: string;
  code?: string;
  reason?: string;
  /** The offending fields of a 400 `validation_failed`. */
  errors?: TFieldError[];
};

/** A problem+json answer summarized; a body that is not one still yields a usable sentence. */
export async function readProblem(response: Response): Promise<TProblemSummary> {
  const fallback = `The server answered ${response.status}. Try again in a moment.`;
  try {
    const problem = ZProblem.safeParse(await response.json());
    if (problem.success) {
      const { reason, errors } = problem.data;
      return {
        status: response.status,
        message: problem.data.detail || fallback,
        code: problem.data.code,
        ...(typeof reason === 'string' ? { reason } : {}),
        ...(errors ? { errors } : {}),
      };
    }
  } catch {
    // not JSON
  }
  return { status: response.status, message: fallback };
}

/** What a call of the API came to: the answer read from its body, or the problem to show. */
export type TApiResult<T> = { ok: true; answer: T } | { ok: false; problem: TProblemSummary };

/**
 * One call: a refusal or a network failure comes back as a problem to show, never a throw.
 * `read` picks the answer out of the body (null for a 204), or gives null when the body is not
 * what the contract says; `unreadableMessage` is the sentence shown then.
 */
export async function callApi<T>(
  send: () => Promise<Response>,
  read: (body: unknown) => T | null,
  unreadableMessage = 'The server answered with something this page cannot read. Reload and try again.',
): Promise<TApiResult<T>> {
  let response: Response;
  try {
    response = await send();
  } catch {
    return { ok: false, problem: { status: 0, message: unreachableMessage } };
  }
  if (!response.ok) return { ok: false, problem: await readProblem(response) };
  const answer = read(response.status === 204 ? null : await response.json().catch(() => null));
  return answer === null
    ? { ok: false, problem: { status: 200, message: unreadableMessage } }
    : { ok: true, answer };
}

/** A contract schema, as far as reading an answer needs it (the web app does not import zod). */
export type TSchema<T> = {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
};

/**
 * An answer of an API a whole page stands on, or why there is none: `forbidden` when the caller
 * may not use it (403), so the page can say so instead of showing a bare refusal.
 */
export type TGuardedAnswer<T> =
  { ok: true; data: T } | { ok: false; forbidden: boolean; message: string };

/**
 * `callApi` for such a page: the body checked against `schema`, and a 403 told apart, shown as
 * `forbiddenMessage` makes of the refusal.
 */
export async function callGuardedApi<T>(
  send: () => Promise<Response>,
  schema: TSchema<T>,
  forbiddenMessage: (problem: TProblemSummary) => string,
): Promise<TGuardedAnswer<T>> {
  const result = await callApi(
    send,
    (body) => {
      const parsed = schema.safeParse(body);
      return parsed.success ? parsed.data : null;
    },
    'The server answered with something this page cannot read.',
  );
  if (result.ok) return { ok: true, data: result.answer };
  const { problem } = result;
  return problem.status === 403
    ? { ok: false, forbidden: true, message: forbiddenMessage(problem) }
    : { ok: false, forbidden: false, message: problem.message };
}

/** A problem+json answer turned into one sentence a person can act on. */
export async function problemMessage(response: Response): Promise<string> {
  return (await readProblem(response)).message;
}

/** POST JSON to the API on this origin, with the session cookie. */
export function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** PATCH, PUT or DELETE on this origin, with the session cookie; a body only when there is one. */
export function sendJson(
  method: 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers:
      body === undefined
        ? { accept: 'application/json, application/problem+json' }
        : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** GET from the API on this origin, with the session cookie, never from a cache. */
export function getJson(path: string): Promise<Response> {
  return fetch(path, {
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { accept: 'application/json, application/problem+json' },
  });
}

export type TSession = {
  user: {
    id: string;
    name: string;
    email: string;
    emailVerified: boolean;
    /** better-auth's two-factor plugin: on once a code from the app confirmed the set-up. */
    twoFactorEnabled?: boolean | null;
    /** 'admin' for a platform superadmin. */
    role?: string | null;
  };
  session: { activeOrganizationId?: string | null };
  /** Present while a superadmin acts as this user: the banner shows it. */
  impersonation?: TSessionImpersonation;
};

/** The caller's session, or null when signed out. Throws with a sentence to show otherwise. */
export async function fetchSession(): Promise<TSession | null> {
  let response: Response;
  try {
    response = await getJson('/v1/auth/get-session');
  } catch {
    throw new Error(unreachableMessage);
  }
  if (!response.ok) throw new Error(await problemMessage(response));
  return (await response.json()) as TSession | null;
}
