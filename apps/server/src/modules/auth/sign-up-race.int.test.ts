import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '#server/modules/identity/identity.schema';
import { createTestApp, type TTestApp } from '#test/app';
import { testBackends } from '#test/databases';
import { startSmtpSink, type TSmtpSink } from '#test/smtp';

describe.each(testBackends())('concurrent sign-ups of one address on %s', (backend) => {
  let t: TTestApp;
  let smtp: TSmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(backend, {
      env: {
        SMTP_URL: smtp.url,
        RATE_LIMIT_MAX: '10000',
        RATE_LIMIT_AUTH_MAX: '10000',
        RATE_LIMIT_ACCOUNT_MAX: '10000',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const signUp = (email: string, password: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up/email',
      headers: { origin: 'http://localhost:3000' },
      payload: { name: 'Racer', email, password },
    });
  // What a sign-up answers, with the values that differ between any two answers blanked out.
  const shape = (response: Awaited<ReturnType<typeof signUp>>) => ({
    status: response.statusCode,
    body: JSON.stringify(response.json(), (key, value: unknown) =>
      ['id', 'createdAt', 'updatedAt'].includes(key) ? typeof value : value,
    ),
    cookies: response.cookies.map((cookie) => cookie.name),
  });

  it('answers every one like a single sign-up, creates one user and sends one mail', async () => {
    const email = `racer-${backend}@example.com`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signUp(email, `racing password number ${i}`)),
    );
    const alone = shape(await signUp(`alone-${backend}@example.com`, 'a lone long password'));
    expect(alone.status).toBe(200);
    const expected = { ...alone, body: alone.body.replace(`alone-${backend}`, `racer-${backend}`) };
    expect(answers.map(shape)).toEqual(Array.from({ length: 10 }, () => expected));

    const created = await t.db.database.db.select().from(users).where(eq(users.email, email));
    expect(created).toHaveLength(1);
    const mails = await smtp.settled(email, /confirm your email/i);
    expect(mails).toHaveLength(1);
  });
});
