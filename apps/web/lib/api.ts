import { ZProblem } from '@corebase/contracts';

/** A problem+json answer turned into one sentence a person can act on. */
export async function problemMessage(response: Response): Promise<string> {
  try {
    const problem = ZProblem.safeParse(await response.json());
    if (problem.success) return problem.data.detail;
  } catch {
    // not JSON
  }
  return `The server answered ${response.status}. Try again in a moment.`;
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
