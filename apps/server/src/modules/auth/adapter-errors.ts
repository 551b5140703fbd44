import type { BetterAuthOptions } from 'better-auth';
import type { DBAdapter, DBTransactionAdapter } from '@better-auth/core/db/adapter';
import { APIError } from 'better-auth/api';
import { databaseErrorOf } from '#server/platform/db/database';

type TAdapterFactory = (options: BetterAuthOptions) => DBAdapter<BetterAuthOptions>;

const uniqueViolation = '23505';
const emailConstraint = 'users_email_unique';

/**
 * SQLSTATEs that only a value sent by a client causes: a malformed id (22P02), a date or time
 * out of range or unreadable (22007, 22008, 22009), a character PostgreSQL does not store (22021,
 * 22P05), a value too long (22001), an operator that does not apply to the column (42883).
 * better-auth answers any error of its adapter with its own 500; these are the client's to fix.
 */
const inputErrors = new Set([
  '22P02',
  '22007',
  '22008',
  '22009',
  '22021',
  '22P05',
  '22001',
  '42883',
]);

type TCall = { model: string };

function translated(call: TCall, method: string, error: unknown): unknown {
  const dbError = databaseErrorOf(error);
  if (!dbError?.code) return error;
  if (
    call.model === 'user' &&
    dbError.code === uniqueViolation &&
    dbError.constraint === emailConstraint
  ) {
    // A new user: better-auth's sign-up answers a refused creation (403 USER_ALREADY_EXISTS) as
    // it answers a taken address (the same 200, no session, no mail). A changed address (a
    // confirmed email change onto one taken since it was asked for): a conflict to say.
    return method === 'create'
      ? new APIError('FORBIDDEN', {
          code: 'USER_ALREADY_EXISTS',
          message: 'An account with this email address exists already.',
          cause: error,
        })
      : new APIError('CONFLICT', {
          code: 'EMAIL_TAKEN',
          message:
            'Another account uses this email address now: the address stays as it was. Ask for the change again with another address.',
          cause: error,
        });
  }
  if (inputErrors.has(dbError.code)) {
    return new APIError('BAD_REQUEST', {
      code: 'INVALID_VALUE',
      message:
        'A value has the wrong form or range for this field (an id that is not a UUID, a date outside 1970–9999, a filter the field does not take).',
      cause: error,
    });
  }
  return error;
}

const guardedMethods = [
  'create',
  'findOne',
  'findMany',
  'count',
  'update',
  'updateMany',
  'delete',
  'deleteMany',
  'consumeOne',
  'incrementOne',
] as const;

function guard<T extends DBTransactionAdapter<BetterAuthOptions>>(adapter: T): T {
  const guarded: Record<string, unknown> = { ...adapter };
  for (const method of guardedMethods) {
    const original = adapter[method] as ((call: TCall) => Promise<unknown>) | undefined;
    if (typeof original !== 'function') continue;
    const bound = original.bind(adapter);
    guarded[method] = async (call: TCall) => {
      try {
        return await bound(call);
      } catch (error) {
        throw translated(call, method, error);
      }
    };
  }
  return guarded as T;
}

/**
 * better-auth's adapter with the database's refusals of client input turned into the answers
 * better-auth gives for them, instead of its 500:
 * - Sign-ups of one new address that race each other all pass better-auth's "is this address
 *   taken?" look-up before any of them inserts; the unique index then refuses all inserts but
 *   one, which better-auth would answer with `failed_to_create_user`, telling the losers that
 *   someone is signing up with that address right now. A user insert refused for its address is
 *   answered like a sign-up of a taken address, in whichever process the racers run.
 * - A confirmed email change onto an address another account took meanwhile: 409.
 * - A value PostgreSQL refuses as malformed or out of range: 400.
 */
export function answerDatabaseRefusals(factory: TAdapterFactory): TAdapterFactory {
  return (options) => {
    const adapter = factory(options);
    const { transaction } = adapter;
    return {
      ...guard(adapter),
      transaction: (callback) => transaction((trx) => callback(guard(trx))),
    };
  };
}
