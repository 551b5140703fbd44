import { impersonationEnded, impersonationStarted } from '@corebase/contracts';
import type { Logger } from 'pino';
import type { Audit, TAuditEntryInput } from '#server/modules/audit/audit.service';
import type { IdentityService } from '#server/modules/identity/identity.service';
import {
  endExpiredImpersonations,
  endImpersonation,
  findImpersonation,
  findImpersonationBySession,
  findOpenImpersonationBy,
  insertImpersonation,
  listImpersonations,
  type TEndReason,
  type TImpersonationRecord,
  type TImpersonationRow,
  type TListImpersonationsFilter,
} from '#server/modules/impersonation/impersonation.repository';
import { newId } from '#server/platform/db/columns';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { AppError } from '#server/platform/errors';
import type { Events } from '#server/platform/outbox/events';

export type { TImpersonationRecord } from '#server/modules/impersonation/impersonation.repository';

/** The sessions an impersonation acts through (better-auth's, see impersonation.sessions.ts). */
export type TImpersonationSessions = {
  create(input: {
    userId: string;
    impersonatedBy: string;
    expiresAt: Date;
    activeOrganizationId: string | null;
    ipAddress: string;
    userAgent: string;
  }): Promise<{ id: string; token: string }>;
  /** Ends the session at once, if it still exists. */
  end(sessionId: string): Promise<void>;
};

type TContext = NonNullable<TAuditEntryInput['context']>;

export type TStartImpersonation = {
  admin: { userId: string; context: TContext };
  userId: string;
  reason: string;
  minutes: number;
};

export type ImpersonationService = {
  /**
   * A superadmin starts acting as a user through a new session that ends after `minutes`:
   * refused for oneself, another superadmin, an unknown user, or while the superadmin already
   * impersonates someone. Audited (`impersonation.started`); the user is told by mail.
   */
  start(
    input: TStartImpersonation,
  ): Promise<{ impersonation: TImpersonationRecord; token: string }>;
  /**
   * Ends an impersonation and its session (`impersonation.ended`, `stopped`). `ownOnly`: only the
   * superadmin who started it may (404 otherwise). Ending one already ended changes nothing.
   */
  stop(input: {
    impersonationId: string;
    endedBy: string;
    ownOnly: boolean;
    context?: TContext;
  }): Promise<TImpersonationRecord>;
  /** The running impersonation of a session, if any; one past its end is recorded as expired. */
  activeForSession(sessionId: string): Promise<TImpersonationRecord | undefined>;
  /** A session went (signed out, revoked, expired): ends its impersonation, if it had one. */
  sessionEnded(session: { id: string }): Promise<void>;
  /** Newest first, after recording those past their end as expired. */
  list(
    filter: Omit<TListImpersonationsFilter, 'limit'> & { limit: number },
  ): Promise<TImpersonationRecord[]>;
};

type TDeps = {
  tenancy: Tenancy;
  audit: Audit;
  events: Events;
  identity: Pick<IdentityService, 'findUserById' | 'findOnlyOrganization'>;
  sessions: TImpersonationSessions;
  /** Tells the user a superadmin acts in their account (the mail). */
  notify: (input: {
    user: { email: string; name: string };
    admin: { name: string; email: string };
    reason: string;
    expiresAt: Date;
  }) => Promise<void>;
  logger: Logger;
  clock?: () => Date;
};

export function createImpersonationService({
  tenancy,
  audit,
  events,
  identity,
  sessions,
  notify,
  logger,
  clock = () => new Date(),
}: TDeps): ImpersonationService {
  const recordEnd = async (tx: Tx, ended: TImpersonationRow, context?: TContext): Promise<void> => {
    await audit.record(tx, {
      orgId: null,
      actor: ended.endedBy ? { type: 'user', id: ended.endedBy } : { type: 'system' },
      impersonatorId: null,
      action: 'impersonation.ended',
      target: { type: 'user', id: ended.userId },
      after: {
        impersonationId: ended.id,
        impersonatorId: ended.adminUserId,
        endReason: ended.endReason,
        endedAt: ended.endedAt?.toISOString(),
      },
      ...(context ? { context } : {}),
    });
    await events.emit(
      tx,
      impersonationEnded,
      {
        impersonationId: ended.id,
        adminUserId: ended.adminUserId,
        userId: ended.userId,
        endReason: ended.endReason,
      },
      { orgId: null },
    );
  };

  /** Expiry ends an impersonation by itself (its session is simply expired): record it here. */
  const settleExpired = async (tx: Tx, now: Date) => {
    for (const ended of await endExpiredImpersonations(tx, now)) await recordEnd(tx, ended);
  };

  const end = async (
    tx: Tx,
    found: TImpersonationRecord,
    how: { reason: TEndReason; by: string | null; at: Date; context?: TContext },
  ) => {
    const ended = await endImpersonation(tx, found.id, {
      endedAt: how.at,
      endReason: how.reason,
      endedBy: how.by,
    });
    if (ended) await recordEnd(tx, ended, how.context);
  };

  return {
    async start({ admin, userId, reason, minutes }) {
      const startedAt = clock();
      const expiresAt = new Date(startedAt.getTime() + minutes * 60_000);
      const prepared = await tenancy.withPlatform(async (tx) => {
        await settleExpired(tx, startedAt);
        // The role as it is now, not as a session cached it.
        const self = await identity.findUserById(tx, admin.userId);
        if (self?.role !== 'admin') {
          throw new AppError('forbidden', 'This requires a platform superadmin.');
        }
        if (userId === admin.userId) {
          throw new AppError('bad_request', 'You cannot impersonate yourself.');
        }
        const user = await identity.findUserById(tx, userId);
        if (!user) throw new AppError('not_found', `No user ${userId}.`);
        if (user.role === 'admin') {
          throw new AppError(
            'forbidden',
            'Another platform superadmin cannot be impersonated: ask them, or remove their superadmin role first.',
          );
        }
        const running = await findOpenImpersonationBy(tx, admin.userId);
        if (running) {
          throw new AppError(
            'conflict',
            `You are already impersonating ${running.user.email ?? running.userId} until ${running.expiresAt.toISOString()}: stop that first (POST /v1/admin/impersonation/stop).`,
          );
        }
        return {
          user,
          admin: { name: self.name, email: self.email },
          activeOrganizationId: (await identity.findOnlyOrganization(tx, userId)) ?? null,
        };
      });

      // better-auth makes the session (its own tables, outside our transaction): if recording
      // the impersonation fails, the session goes again.
      const session = await sessions.create({
        userId,
        impersonatedBy: admin.userId,
        expiresAt,
        activeOrganizationId: prepared.activeOrganizationId,
        ipAddress: admin.context.ip ?? '',
        userAgent: admin.context.userAgent ?? '',
      });
      const id = newId();
      let impersonation: TImpersonationRecord;
      try {
        impersonation = await tenancy.withPlatform(async (tx) => {
          await insertImpersonation(tx, {
            id,
            adminUserId: admin.userId,
            userId,
            sessionId: session.id,
            reason,
            startedAt,
            expiresAt,
          });
          await audit.record(tx, {
            orgId: null,
            actor: { type: 'user', id: admin.userId },
            impersonatorId: null,
            action: 'impersonation.started',
            target: { type: 'user', id: userId },
            after: {
              impersonationId: id,
              email: prepared.user.email,
              reason,
              expiresAt: expiresAt.toISOString(),
            },
            context: admin.context,
          });
          await events.emit(
            tx,
            impersonationStarted,
            {
              impersonationId: id,
              adminUserId: admin.userId,
              userId,
              expiresAt: expiresAt.toISOString(),
            },
            { orgId: null },
          );
          return (await findImpersonation(tx, id))!;
        });
      } catch (error) {
        await sessions.end(session.id).catch((cause: unknown) => {
          logger.error({ err: cause }, 'could not end the session of a failed impersonation');
        });
        throw error;
      }
      // The audit log has it already; a mail that does not go out does not undo the start.
      try {
        await notify({
          user: { email: prepared.user.email, name: prepared.user.name },
          admin: prepared.admin,
          reason,
          expiresAt,
        });
      } catch (error) {
        logger.error({ err: error, impersonationId: id }, 'impersonation notice mail failed');
      }
      return { impersonation, token: session.token };
    },

    async stop({ impersonationId, endedBy, ownOnly, context }) {
      const now = clock();
      const stopped = await tenancy.withPlatform(async (tx) => {
        await settleExpired(tx, now);
        const found = await findImpersonation(tx, impersonationId);
        if (!found || (ownOnly && found.adminUserId !== endedBy)) {
          throw new AppError('not_found', `No impersonation ${impersonationId} of yours.`);
        }
        if (!found.endedAt) {
          await end(tx, found, {
            reason: 'stopped',
            by: endedBy,
            at: now,
            ...(context ? { context } : {}),
          });
        }
        return (await findImpersonation(tx, impersonationId))!;
      });
      if (stopped.sessionId) await sessions.end(stopped.sessionId);
      return stopped;
    },

    async activeForSession(sessionId) {
      const now = clock();
      return tenancy.withPlatform(async (tx) => {
        const found = await findImpersonationBySession(tx, sessionId);
        if (!found || found.endedAt) return undefined;
        if (found.expiresAt <= now) {
          await settleExpired(tx, now);
          return undefined;
        }
        return found;
      });
    },

    async sessionEnded(session) {
      const now = clock();
      await tenancy.withPlatform(async (tx) => {
        const found = await findImpersonationBySession(tx, session.id);
        if (!found || found.endedAt) return;
        const expired = found.expiresAt <= now;
        await end(tx, found, {
          reason: expired ? 'expired' : 'session_ended',
          by: null,
          at: expired ? found.expiresAt : now,
        });
      });
    },

    async list(filter) {
      return tenancy.withPlatform(async (tx) => {
        await settleExpired(tx, clock());
        return listImpersonations(tx, filter);
      });
    },
  };
}
