import { describe, expect, it } from 'vitest';

import { callApi, unreachableMessage } from '@/lib/api';

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('callApi', () => {
  it('gives the answer read from the body', async () => {
    const result = await callApi(
      () => Promise.resolve(json(200, { count: 3 })),
      (body) => (body as { count: number }).count,
    );
    expect(result).toEqual({ ok: true, answer: 3 });
  });

  it('reads a 204 as no body', async () => {
    let seen: unknown = 'not called';
    const result = await callApi(
      () => Promise.resolve(new Response(null, { status: 204 })),
      (body) => {
        seen = body;
        return true;
      },
    );
    expect(seen).toBeNull();
    expect(result).toEqual({ ok: true, answer: true });
  });

  it('turns a refusal into its problem', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'You may not.',
      code: 'forbidden',
    };
    const result = await callApi(
      () => Promise.resolve(json(403, problem, 'application/problem+json')),
      () => true,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatchObject({ status: 403 });
  });

  it('says so when the server cannot be reached, without throwing', async () => {
    const result = await callApi(
      () => Promise.reject(new TypeError('fetch failed')),
      () => true,
    );
    expect(result).toEqual({ ok: false, problem: { status: 0, message: unreachableMessage } });
  });

  it('refuses a body that is not what the contract says', async () => {
    const result = await callApi(
      () => Promise.resolve(json(200, { wrong: true })),
      () => null,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.status).toBe(200);
  });
});
