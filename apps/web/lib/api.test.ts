import { describe, expect, it } from 'vitest';

import { callApi, callGuardedApi, unreachableMessage } from '@/lib/api';

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

describe('callGuardedApi', () => {
  const schema = {
    safeParse: (value: unknown) =>
      typeof value === 'object' && value !== null && 'count' in value
        ? { success: true as const, data: (value as { count: number }).count }
        : { success: false as const },
  };
  const refusal = (status: number, detail: string) =>
    json(
      status,
      { type: 'about:blank', title: 'Refused', status, detail, code: 'refused', requestId: 'r1' },
      'application/problem+json',
    );
  const call = (send: () => Promise<Response>) =>
    callGuardedApi(send, schema, (problem) => `Not for you. ${problem.message}`);

  it('gives the answer the schema reads', async () => {
    const result = await call(() => Promise.resolve(json(200, { count: 3 })));
    expect(result).toEqual({ ok: true, data: 3 });
  });

  it('tells a 403 apart, in its own words', async () => {
    const result = await call(() => Promise.resolve(refusal(403, 'No role.')));
    expect(result).toEqual({ ok: false, forbidden: true, message: 'Not for you. No role.' });
  });

  it('gives any other refusal as the server said it', async () => {
    const result = await call(() => Promise.resolve(refusal(404, 'No such.')));
    expect(result).toEqual({ ok: false, forbidden: false, message: 'No such.' });
  });

  it('says so when the server cannot be reached', async () => {
    const result = await call(() => Promise.reject(new TypeError('fetch failed')));
    expect(result).toEqual({ ok: false, forbidden: false, message: unreachableMessage });
  });

  it('refuses a body the schema does not read', async () => {
    const result = await call(() => Promise.resolve(json(200, { wrong: true })));
    expect(result).toEqual({
      ok: false,
      forbidden: false,
      message: 'The server answered with something this page cannot read.',
    });
  });
});
