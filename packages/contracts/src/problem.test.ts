import { describe, expect, it } from 'vitest';
import { ZProblem } from './problem.ts';

describe('ZProblem', () => {
  it('accepts a validation problem naming each field, and keeps extension members', () => {
    const problem = ZProblem.parse({
      type: 'urn:corebase:problem:validation_failed',
      title: 'Validation failed',
      status: 400,
      detail: 'body.name: Required',
      code: 'validation_failed',
      requestId: 'req-1',
      errors: [{ in: 'body', field: 'name', message: 'Required' }],
      retryable: false,
    });
    expect(problem.errors?.[0]?.field).toBe('name');
    expect(problem.retryable).toBe(false);
  });

  it('refuses a problem without a stable code or request id', () => {
    const result = ZProblem.safeParse({ type: 'x', title: 't', status: 500, detail: 'd' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['code', 'requestId']);
  });
});
