import type { BetterAuthOptions } from 'better-auth';
import type { DBAdapter, DBTransactionAdapter } from '@better-auth/core/db/adapter';
import { APIError } from 'better-auth/api';
import { databaseErrorOf } from '#server/platform/db/database';

type TAdapterFactory = (options: BetterAuthOptions) => DBAdapter<BetterAuthOptions>;

const uniqueViolation = '23505';
const emailConstraint = 'users_email_unique';

function isTakenEmail(model: string, error: unknown): boolean {
  if (model !== 'user') return false;
  const dbError = databaseErrorOf(error);
  return dbError?.code === uniqueViolation && dbError.constraint === emailConstraint;
}

function guardCreate<T extends DBTransactionAdapter<BetterAuthOptions>>(adapter: T): T {
  const create = adapter.create.bind(adapter);
  return {
    ...adapter,
    create: async (data) => {
      try {
        return await create(data);
      } catch (error) {
        if (!isTakenEmail(data.model, error)) throw error;
        // better-auth's sign-up answers a refused creation (403) as it answers a taken address.
        throw new APIError('FORBIDDEN', {
          code: 'USER_ALREADY_EXISTS',
          message: 'An account with this email address exists already.',
          cause: error,
        });
      }
    },
  };
}

/**
 * Sign-ups of one new address that race each other all pass better-auth's "is this address
 * taken?" look-up before any of them inserts; the unique index then refuses all inserts but one,
 * which better-auth would answer with `failed_to_create_user` — telling the losers that someone
 * is signing up with that address right now. A user insert refused for its address is turned into
 * the refusal better-auth answers exactly like a sign-up of a taken address (the same 200 as a
 * new one, no session, no mail), in whichever process the racers run.
 */
export function answerTakenEmailAsTaken(factory: TAdapterFactory): TAdapterFactory {
  return (options) => {
    const adapter = factory(options);
    const { transaction } = adapter;
    return {
      ...guardCreate(adapter),
      transaction: (callback) => transaction((trx) => callback(guardCreate(trx))),
    };
  };
}
