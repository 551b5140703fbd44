import { AsyncLocalStorage } from 'node:async_hooks';

/** Who acts for the signed-in user in the current request, when a superadmin does. */
export type TActingFor = {
  impersonatorId: string;
  impersonationId: string;
  expiresAt: Date;
};

const acting = new AsyncLocalStorage<TActingFor>();

/**
 * Runs `fn` (and everything it awaits) as a request made while impersonating: audit entries
 * written anywhere down the call chain name the impersonator without each caller passing it.
 */
export function runActingFor<T>(actingFor: TActingFor, fn: () => T): T {
  return acting.run(actingFor, fn);
}

/** The impersonation the current request runs under, if any. */
export function currentActingFor(): TActingFor | undefined {
  return acting.getStore();
}

/** The value of the `Corebase-Impersonation` response header. */
export function impersonationHeaderValue(actingFor: TActingFor): string {
  return `by=${actingFor.impersonatorId}; id=${actingFor.impersonationId}; expires=${actingFor.expiresAt.toISOString()}`;
}
