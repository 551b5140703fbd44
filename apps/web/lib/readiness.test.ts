import { describe, expect, it } from 'vitest';

import { parseReadiness } from './readiness';

describe('parseReadiness', () => {
  it('reads a healthy answer', () => {
    expect(
      parseReadiness(
        {
          status: 'ok',
          checks: {
            database: { status: 'ok' },
            migrations: { status: 'ok' },
            redis: { status: 'skipped' },
          },
        },
        200,
      ),
    ).toEqual({
      status: 'ok',
      checks: [
        { name: 'database', status: 'ok' },
        { name: 'migrations', status: 'ok' },
        { name: 'redis', status: 'skipped' },
      ],
    });
  });

  it('keeps the message of a failing check', () => {
    expect(
      parseReadiness(
        {
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 'fail',
          checks: { database: { status: 'fail', message: 'connection refused' } },
        },
        503,
      ),
    ).toEqual({
      status: 'fail',
      checks: [{ name: 'database', status: 'fail', message: 'connection refused' }],
    });
  });

  it('treats an unknown check status as a failure', () => {
    expect(
      parseReadiness({ status: 'ok', checks: { x: { status: 'weird' } } }, 200)?.checks,
    ).toEqual([{ name: 'x', status: 'fail' }]);
  });

  it('rejects bodies that are not a readiness answer', () => {
    expect(parseReadiness(null, 200)).toBeNull();
    expect(parseReadiness('<html>', 404)).toBeNull();
    expect(parseReadiness({ status: 503 }, 503)).toBeNull();
  });

  it('falls back to the HTTP status when status is numeric (RFC 9457)', () => {
    expect(
      parseReadiness(
        { status: 503, checks: { database: { status: 'fail', message: 'down' } } },
        503,
      ),
    ).toEqual({ status: 'fail', checks: [{ name: 'database', status: 'fail', message: 'down' }] });
  });
});
