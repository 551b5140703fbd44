/** Shape of `GET /health/ready`, answered by the API server (200 JSON or 503 problem+json). */
export type CheckStatus = 'ok' | 'fail' | 'skipped';

export type ReadinessCheck = { name: string; status: CheckStatus; message?: string };

export type Readiness = { status: 'ok' | 'fail'; checks: ReadinessCheck[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toCheckStatus(value: unknown): CheckStatus {
  return value === 'ok' || value === 'skipped' ? value : 'fail';
}

/**
 * Reads a readiness body defensively: the page must still say something useful when a proxy
 * answers with HTML or the server sends a shape this build does not know. In problem+json
 * `status` may also be the numeric HTTP status (RFC 9457), so the HTTP status decides then.
 */
export function parseReadiness(body: unknown, httpStatus: number): Readiness | null {
  if (!isRecord(body)) return null;
  let status: Readiness['status'];
  if (body.status === 'ok' || body.status === 'fail') status = body.status;
  else if (isRecord(body.checks)) status = httpStatus >= 200 && httpStatus < 300 ? 'ok' : 'fail';
  else return null;
  const checks: ReadinessCheck[] = [];
  if (isRecord(body.checks)) {
    for (const [name, raw] of Object.entries(body.checks)) {
      if (!isRecord(raw)) continue;
      const check: ReadinessCheck = { name, status: toCheckStatus(raw.status) };
      if (typeof raw.message === 'string' && raw.message !== '') check.message = raw.message;
      checks.push(check);
    }
  }
  return { status, checks };
}
