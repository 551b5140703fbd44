import { createHmac } from 'node:crypto';
import {
  impersonationHeader,
  ZSessionImpersonation,
  ZSignInMethods,
  type TPermission,
  type TRouteAccess,
  type TSessionImpersonation,
  type TSignInProvider,
} from '@corebase/contracts';
import { fromNodeHeaders } from 'better-auth/node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';
import type { TConfig } from '#server/config';
import { authBasePath, type Auth } from '#server/modules/auth/auth';
import { hashBackupCode } from '#server/modules/auth/two-factor';
import { hasControlCharacter } from '#server/platform/http/characters';
import { jsonLimits } from '#server/platform/http/input-guards';
import { AppError } from '#server/platform/errors';
import { csrfHeader, csrfTokenFor } from '#server/platform/http/csrf';
import { validationFailed } from '#server/platform/http/field-errors';
import {
  impersonationHeaderValue,
  runActingFor,
  type TActingFor,
} from '#server/platform/http/impersonation';
import { nullableAsType, twoFactorChallengeSecurity } from '#server/platform/http/openapi';
import { codeForStatus, sendProblem } from '#server/platform/http/problem';

/** Who impersonates the caller of a public endpoint (which resolves no principal), if anyone. */
async function impersonationOfCaller(
  deps: TAuthRoutesDeps,
  request: FastifyRequest,
): Promise<TActingFor | undefined> {
  if (!deps.impersonationOf) return undefined;
  const found = await deps.auth.api
    .getSession({ headers: fromNodeHeaders(request.headers), query: { disableRefresh: true } })
    .catch(() => null);
  if (!(found?.session as { impersonatedBy?: string | null } | undefined)?.impersonatedBy) {
    return undefined;
  }
  const impersonation = await deps.impersonationOf(found!.session.id);
  return impersonation
    ? {
        impersonatorId: impersonation.by.id,
        impersonationId: impersonation.id,
        expiresAt: new Date(impersonation.expiresAt),
      }
    : undefined;
}

/** Set by us from the connection (or trusted proxy); a value sent by the client is replaced. */
export const clientIpHeader = 'x-corebase-client-ip';

/**
 * Who may call each better-auth endpoint, by its path below /v1/auth. Our front door checks it
 * (and the CSRF rule) before better-auth sees the request, as for every other route; `null`
 * keeps an endpoint off HTTP. Start-up fails when better-auth has an endpoint missing here, so an
 * upgrade that adds one cannot open it silently.
 */
export const authEndpointAccess: Record<string, TRouteAccess | null> = {
  '/ok': 'public',
  '/error': 'public',
  '/sign-up/email': 'public',
  '/sign-in/email': 'public',
  // Answers null to an anonymous caller: that is how a client learns it is signed out.
  '/get-session': 'public',
  // Clears the cookies even when the session behind them is already gone.
  '/sign-out': 'public',
  '/verify-email': 'public',
  '/send-verification-email': 'public',
  '/request-password-reset': 'public',
  '/reset-password': 'public',
  '/reset-password/:token': 'public',
  '/delete-user/callback': 'public',
  // Social sign-in and linking (no provider is configured yet: they answer 4xx).
  '/sign-in/social': 'public',
  '/callback/:id': 'public',
  '/link-social': 'authenticated',
  '/list-accounts': 'authenticated',
  '/unlink-account': 'authenticated',
  '/refresh-token': 'authenticated',
  '/get-access-token': 'authenticated',
  '/account-info': 'authenticated',
  // The caller's own account and sessions.
  '/verify-password': 'authenticated',
  '/change-email': 'authenticated',
  '/change-password': 'authenticated',
  '/update-session': 'authenticated',
  '/update-user': 'authenticated',
  '/delete-user': 'authenticated',
  '/list-sessions': 'authenticated',
  '/revoke-session': 'authenticated',
  '/revoke-sessions': 'authenticated',
  '/revoke-other-sessions': 'authenticated',
  // Organizations the caller belongs to, joins or creates.
  '/organization/create': 'authenticated',
  '/organization/check-slug': 'authenticated',
  '/organization/list': 'authenticated',
  '/organization/set-active': 'authenticated',
  '/organization/leave': 'authenticated',
  '/organization/get-invitation': 'authenticated',
  '/organization/accept-invitation': 'authenticated',
  '/organization/reject-invitation': 'authenticated',
  '/organization/list-user-invitations': 'authenticated',
  '/organization/has-permission': 'authenticated',
  // Two-factor: set up and manage it signed in; the codes at sign-in come with the plugin's
  // short-lived two-factor cookie instead of a session.
  '/two-factor/enable': 'authenticated',
  '/two-factor/disable': 'authenticated',
  '/two-factor/get-totp-uri': 'authenticated',
  '/two-factor/generate-backup-codes': 'authenticated',
  '/two-factor/verify-totp': 'challenge',
  '/two-factor/verify-backup-code': 'challenge',
  // Codes by email or SMS are not offered: an authenticator app or a backup code.
  '/two-factor/send-otp': null,
  '/two-factor/verify-otp': null,
  // JWT access tokens: minted from a session; the public keys also at /.well-known/jwks.json.
  '/token': 'authenticated',
  '/jwks': 'public',
  // The active organization, under its permissions.
  '/organization/get-organization': 'organization:read',
  '/organization/get-full-organization': 'members:read',
  '/organization/get-active-member': 'organization:read',
  '/organization/get-active-member-role': 'organization:read',
  '/organization/list-members': 'members:read',
  '/organization/list-invitations': 'members:read',
  '/organization/update': 'settings:manage',
  '/organization/invite-member': 'members:manage',
  '/organization/cancel-invitation': 'members:manage',
  '/organization/update-member-role': 'members:manage',
  '/organization/remove-member': 'members:manage',
  // Ours instead: deletion with a grace period (/v1/organization/deletion), roles (/v1/roles).
  '/organization/delete': null,
  '/organization/create-role': null,
  '/organization/update-role': null,
  '/organization/delete-role': null,
  '/organization/list-roles': null,
  '/organization/get-role': null,
  // Its OpenAPI document is merged into /v1/openapi.json; its reference page loads a CDN script.
  '/open-api/generate-schema': null,
  '/reference': null,
};

type TEndpoint = {
  path?: string;
  options: { method: string | string[]; body?: ZodType; query?: ZodType; metadata?: unknown };
};

export type TAuthEndpoint = {
  /** Its name in `auth.api`: the operationId of its OpenAPI operation. */
  key: string;
  path: string;
  methods: ('GET' | 'POST')[];
  access: TRouteAccess;
  body: ZodType | undefined;
  query: ZodType | undefined;
};

/**
 * Methods better-auth lists but never serves as configured: a POST to get-session is refused
 * (405) unless `session.deferSessionRefresh` is on, which it is not. Offered, a generated client
 * would carry a call that can only fail.
 */
const unservedMethods: Record<string, string[]> = { '/get-session': ['POST'] };

/** The better-auth endpoints served over HTTP, each with its declared access. */
export function exposedAuthEndpoints(auth: Auth): TAuthEndpoint[] {
  const endpoints = Object.entries(auth.api as Record<string, TEndpoint>)
    .filter(
      ([, e]) =>
        e.path && !(e.options.metadata as { SERVER_ONLY?: boolean } | undefined)?.SERVER_ONLY,
    )
    .map(([key, e]) => ({ ...e, key }));
  const paths = new Set(endpoints.map((e) => e.path!));
  const undeclared = [...paths].filter((p) => !(p in authEndpointAccess));
  const stale = Object.keys(authEndpointAccess).filter((p) => !paths.has(p));
  // (Entries of refusedWhileImpersonating too: a stale one would refuse nothing, silently.)
  stale.push(...[...refusedWhileImpersonating].filter((p) => !paths.has(p)));
  if (undeclared.length > 0 || stale.length > 0) {
    throw new Error(
      `authEndpointAccess is out of step with better-auth: ${[
        undeclared.length ? `undeclared ${undeclared.join(', ')}` : '',
        stale.length ? `unknown ${stale.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  }
  return endpoints.flatMap((e) => {
    const access = authEndpointAccess[e.path!];
    if (!access) return [];
    const methods = [e.options.method]
      .flat()
      .filter((m) => m === 'GET' || m === 'POST')
      .filter((m) => !(unservedMethods[e.path!] ?? []).includes(m));
    return [
      { key: e.key, path: e.path!, methods, access, body: e.options.body, query: e.options.query },
    ];
  });
}

const ZCsrfToken = z.object({
  /** null for a caller without a session (an API key). */
  token: z.string().nullable(),
  /** The header to send it in. */
  header: z.string(),
});

/**
 * The providers better-auth has in use: an OpenID Connect provider whose discovery failed at
 * start is left out (its sign-in would fail), so the sign-in page offers only what works.
 */
async function signInProviders(auth: Auth): Promise<TSignInProvider[]> {
  const context = await auth.$context;
  return context.socialProviders.map((provider) => ({
    id: provider.id,
    name: provider.name,
    type: provider.id === 'google' || provider.id === 'github' ? 'oauth' : 'oidc',
  }));
}

/** Turns a Fastify request into the fetch Request better-auth's handler takes. */
function toWebRequest(request: FastifyRequest, baseUrl: string, path: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === clientIpHeader) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  headers.set(clientIpHeader, request.ip);
  headers.set('x-request-id', request.id);
  const hasBody =
    request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
  if (hasBody) headers.set('content-type', 'application/json');
  headers.delete('content-length');
  // The URL better-auth routes on is rebuilt from the route that matched, never the raw target:
  // a URL parser reads `\` as `/` and resolves `..`, so `/callback/x\..\..\organization\update`
  // would reach another endpoint than the one whose access was checked.
  const params = (request.params ?? {}) as Record<string, string>;
  const pathname = path.replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? ''),
  );
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  const url = new URL(`${authBasePath}${pathname}${query}`, baseUrl);
  if (url.pathname !== `${authBasePath}${pathname}`) {
    throw new AppError('bad_request', 'This request path is not one the API serves.');
  }
  return new Request(url, {
    method: request.method,
    headers,
    body: hasBody ? JSON.stringify(request.body) : undefined,
  });
}

/**
 * better-auth's codes for "no such thing here". It answers them 400 (or 403 for a non-member);
 * we answer 404, as for any id of another organization: the caller learns nothing about it.
 */
const notFoundReasons = new Set([
  'ORGANIZATION_NOT_FOUND',
  'MEMBER_NOT_FOUND',
  'INVITATION_NOT_FOUND',
  'USER_NOT_FOUND',
  'USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION',
  'YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION',
]);

/** Endpoints answering a `totpURI`: the answer also gets it as a QR code (a PNG data URL). */
const withQrCode = new Set(['/two-factor/enable', '/two-factor/get-totp-uri']);

async function sendWebResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  response: Response,
  addQrCode = false,
): Promise<FastifyReply> {
  for (const cookie of response.headers.getSetCookie()) void reply.header('set-cookie', cookie);
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-length') void reply.header(name, value);
  });
  const text = await response.text();
  if (response.status >= 400) {
    // better-auth answers {code, message}: keep its code as `reason`, give ours as `code`.
    let body: { code?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: fall back to the status text
    }
    // get-invitation says so in its message alone, without a code.
    const notFound =
      (body.code !== undefined && notFoundReasons.has(body.code)) ||
      (response.status === 400 &&
        body.code === undefined &&
        /not found!?$/i.test(body.message ?? ''));
    const code = notFound ? 'not_found' : codeForStatus(response.status);
    if (code === 'internal_error') {
      request.log.error({ status: response.status, body: text }, 'auth handler failed');
      return sendProblem(
        request,
        reply,
        code,
        `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
      );
    }
    return sendProblem(request, reply, code, body.message ?? response.statusText, {
      ...(body.code ? { reason: body.code.toLowerCase() } : {}),
    });
  }
  void reply.status(response.status);
  if (addQrCode) {
    const body = JSON.parse(text) as { totpURI?: unknown };
    if (typeof body.totpURI === 'string') {
      return reply.send({ ...body, qrCode: await QRCode.toDataURL(body.totpURI) });
    }
  }
  return reply.send(text.length > 0 ? text : undefined);
}

/** Endpoints that guess or mint credentials: counted under RATE_LIMIT_AUTH_MAX, apart. */
const credentialPaths = new Set([
  '/sign-in/email',
  '/sign-up/email',
  '/request-password-reset',
  '/reset-password',
  '/change-password',
  '/send-verification-email',
  '/two-factor/verify-totp',
  '/two-factor/verify-backup-code',
  '/sign-in/social',
  '/link-social',
  '/callback/:id',
  '/verify-password',
]);

/**
 * Of those, the ones that mail an address: also limited per address. Sign-in is not (the
 * lockout counts its failures), so nobody can keep a person out by spending their budget.
 */
const accountPaths = new Set([
  '/sign-up/email',
  '/request-password-reset',
  '/send-verification-email',
]);

type TRef = { organizationId: string; role: string | null };

export type TAuthRoutesDeps = {
  auth: Auth;
  config: TConfig;
  /** What the organization endpoints are checked against (the identity and roles modules). */
  scope: {
    /** The slug of the organization (to compare with an `organizationSlug` a client sends). */
    organizationSlug(orgId: string): Promise<string | undefined>;
    /** A membership by id (any organization), or by the member's email in `orgId`. */
    member(orgId: string, idOrEmail: string): Promise<TRef | undefined>;
    /** An invitation by id (any organization), or the pending one for an email in `orgId`. */
    invitation(orgId: string, idOrEmail: string): Promise<TRef | undefined>;
    /** Throws unless the actor holds every permission of the role (400 for an unknown role). */
    assertWithinReach(
      orgId: string,
      actorPermissions: ReadonlySet<string>,
      role: string,
      doing: string,
    ): Promise<void>;
  };
  /** The running impersonation of a session, for the session answer and its audit entries. */
  impersonationOf?: (sessionId: string) => Promise<TSessionImpersonation | undefined>;
};

/**
 * What only the user themself may do: refused while a superadmin impersonates them (403
 * `impersonation_forbidden`). Credentials and ways in, the second factor, sessions, tokens
 * minted from the session (and a provider's), the account itself.
 */
export const refusedWhileImpersonating = new Set([
  '/change-password',
  '/change-email',
  '/delete-user',
  '/revoke-session',
  '/revoke-sessions',
  '/revoke-other-sessions',
  // Its answer carries the tokens of the user's other sessions: with one, a superadmin would
  // hold a session of the user outside the impersonation (no time limit, no flag, no audit).
  '/list-sessions',
  // Online guessing of the user's password.
  '/verify-password',
  '/two-factor/enable',
  '/two-factor/disable',
  '/two-factor/get-totp-uri',
  '/two-factor/generate-backup-codes',
  '/token',
  '/link-social',
  '/unlink-account',
  '/get-access-token',
  '/refresh-token',
  '/account-info',
]);

/**
 * The session answer while impersonating: `impersonation` for the web app's banner, and the
 * header every answer to an impersonating caller carries. An impersonation that ended (or is
 * past its end) has no session: null, as for a signed-out caller.
 */
async function withImpersonation(
  deps: TAuthRoutesDeps,
  reply: FastifyReply,
  response: Response,
): Promise<Response> {
  if (!deps.impersonationOf || response.status !== 200) return response;
  type TBody = { session?: { id?: unknown; impersonatedBy?: unknown } } | null;
  let body: TBody;
  try {
    body = JSON.parse(await response.clone().text()) as TBody;
  } catch {
    return response;
  }
  const sessionId = body?.session?.id;
  if (typeof sessionId !== 'string' || !body?.session?.impersonatedBy) return response;
  const impersonation = await deps.impersonationOf(sessionId);
  const answer = impersonation ? { ...body, impersonation } : null;
  if (impersonation) {
    void reply.header(
      impersonationHeader,
      impersonationHeaderValue({
        impersonatorId: impersonation.by.id,
        impersonationId: impersonation.id,
        expiresAt: new Date(impersonation.expiresAt),
      }),
    );
  }
  return new Response(JSON.stringify(answer), {
    status: response.status,
    headers: response.headers,
  });
}

const isPermission = (access: TRouteAccess): access is TPermission => access.includes(':');

function field(request: FastifyRequest, name: string): unknown {
  const body = request.body as Record<string, unknown> | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  return (body && typeof body === 'object' ? body[name] : undefined) ?? query?.[name];
}

/**
 * An endpoint of the active organization acts in it alone: an `organizationId` (or slug) of any
 * other organization answers 404, as an id of its members or invitations does.
 */
async function checkActiveOrganization(deps: TAuthRoutesDeps, request: FastifyRequest) {
  const orgId = request.principal!.orgId!;
  const organizationId = field(request, 'organizationId');
  if (organizationId !== undefined && organizationId !== orgId) {
    throw new AppError(
      'not_found',
      `No organization ${JSON.stringify(organizationId)} is active for you: switch to it first (POST ${authBasePath}/organization/set-active).`,
    );
  }
  const slug = field(request, 'organizationSlug');
  if (slug !== undefined && slug !== (await deps.scope.organizationSlug(orgId))) {
    throw new AppError('not_found', `No organization ${JSON.stringify(slug)} is active for you.`);
  }
}

/**
 * What a member-management call touches must be within the caller's reach: the role given, the
 * member changed or removed, the invitation revoked or resent. Nobody acts on a role beyond
 * their own permissions (better-auth itself protects only the owner role).
 */
async function checkMemberManagement(
  deps: TAuthRoutesDeps,
  path: string,
  request: FastifyRequest,
): Promise<void> {
  const principal = request.principal!;
  const orgId = principal.orgId!;
  const reach = async (role: string | null, doing: string) => {
    if (role) await deps.scope.assertWithinReach(orgId, principal.permissions, role, doing);
  };
  const inThisOrganization = (found: TRef | undefined, what: string): TRef => {
    if (!found || found.organizationId !== orgId) {
      throw new AppError('not_found', `No ${what} in this organization.`);
    }
    return found;
  };
  const newRole = () => {
    const role = field(request, 'role');
    if (typeof role !== 'string' || role.includes(',')) {
      throw new AppError('validation_failed', 'role: give exactly one role name.', {
        details: { errors: [{ in: 'body', field: 'role', message: 'expected one role name' }] },
      });
    }
    return role;
  };
  const text = (name: string) => {
    const value = field(request, name);
    return typeof value === 'string' ? value : '';
  };
  switch (path) {
    case '/organization/invite-member': {
      await reach(newRole(), 'give that role');
      if (field(request, 'resend') === true && text('email')) {
        // A resend renews the pending invitation with the role it already offers.
        const pending = await deps.scope.invitation(orgId, text('email'));
        if (pending) await reach(pending.role, 'resend that invitation');
      }
      return;
    }
    case '/organization/update-member-role': {
      const member = inThisOrganization(
        await deps.scope.member(orgId, text('memberId')),
        'such member',
      );
      await reach(member.role, "change this member's role");
      await reach(newRole(), 'give that role');
      return;
    }
    case '/organization/remove-member': {
      const member = inThisOrganization(
        await deps.scope.member(orgId, text('memberIdOrEmail')),
        'such member',
      );
      await reach(member.role, 'remove this member');
      return;
    }
    case '/organization/cancel-invitation': {
      const invitation = inThisOrganization(
        await deps.scope.invitation(orgId, text('invitationId')),
        'such invitation',
      );
      await reach(invitation.role, 'revoke this invitation');
      return;
    }
    default:
      return;
  }
}

/** Fields naming where better-auth sends the browser next. */
const redirectFields = ['callbackURL', 'newUserCallbackURL', 'errorCallbackURL', 'redirectTo'];

/**
 * A redirect target must be a root-relative path or an absolute http(s) URL: better-auth fails
 * with a 500 on anything else (and checks the origin of absolute ones against trustedOrigins).
 */
function checkRedirectFields(request: FastifyRequest): void {
  for (const name of redirectFields) {
    const value = field(request, name);
    if (value === undefined) continue;
    // No white space or control character anywhere: parsers drop them and `/\t/x` turns into
    // `//x`, another host.
    const clean = typeof value === 'string' && !hasControlCharacter(value, { space: true });
    const rootRelative = clean && value.startsWith('/') && !/^\/[/\\]/.test(value);
    let absolute = false;
    if (clean && !rootRelative) {
      try {
        absolute = ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        absolute = false;
      }
    }
    if (!rootRelative && !absolute) {
      const part = request.method === 'GET' ? 'querystring' : 'body';
      throw new AppError(
        'validation_failed',
        `${name}: expected a path such as /account or an absolute http(s) URL of this app.`,
        { details: { errors: [{ in: part, field: name, message: 'is not a path or URL' }] } },
      );
    }
  }
}

const ZName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'at most 100 characters')
  // For the document only: what `trim().min(1)` means untrimmed (some character not a space).
  .meta({ pattern: String.raw`\S` });
const ZSlug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
    'expected 1 to 48 lower-case letters, digits and inner dashes, such as acme-inc',
  )
  // For the document only: the length the pattern allows.
  .meta({ maxLength: 48 });
/** The longest image or logo URL the front door takes; redirect targets are documented with it. */
const ZImageUrlLength = 2048;
const ZImageUrl = z.string().max(ZImageUrlLength, `at most ${ZImageUrlLength} characters`);

/**
 * list-members' filter as PostgreSQL can run it (better-auth passes it through, and a value that
 * does not fit the column is a 500 there): `in` takes a list (filterValue repeated), the other
 * operators one value; a userId value is an id, and `contains` is for the role only.
 */
function checkMemberFilter(
  query: { filterField?: string; filterValue?: string | string[]; filterOperator?: string },
  ctx: z.RefinementCtx,
): void {
  const { filterField: field, filterValue: value, filterOperator: operator = 'eq' } = query;
  if (field === undefined || value === undefined) return;
  const refuse = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (operator === 'in' && !Array.isArray(value)) {
    return refuse('filterValue', '`in` takes a list: repeat filterValue (or use eq for one)');
  }
  if (operator !== 'in' && Array.isArray(value)) {
    return refuse('filterValue', `one value for ${operator} (a list is for in)`);
  }
  if (operator === 'contains' && field !== 'role') {
    return refuse('filterOperator', `contains is for the role, not ${field}`);
  }
  if (field === 'userId' && ![value].flat().every((v) => uuidPattern.test(v))) {
    refuse('filterValue', 'expected an id (UUID)');
  }
}

/**
 * Limits better-auth does not set itself: how long a name may be, what a slug looks like. Checked
 * before the endpoint runs, so an oversized field changes nothing.
 */
const fieldRules: Record<string, ZodType> = {
  '/sign-up/email': z.looseObject({ name: ZName, image: ZImageUrl.nullish() }),
  '/update-user': z.looseObject({ name: ZName.optional(), image: ZImageUrl.nullish() }),
  '/organization/create': z.looseObject({ name: ZName, slug: ZSlug, logo: ZImageUrl.optional() }),
  '/organization/invite-member': z.looseObject({
    email: z.string().max(254, 'at most 254 characters'),
  }),
  // better-auth hands these to the query builder as they come: unknown fields are a 500 there.
  '/organization/list-members': z
    .looseObject({
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      offset: z.coerce.number().int().min(0).optional(),
      sortBy: z.enum(['createdAt', 'role', 'userId']).optional(),
      sortDirection: z.enum(['asc', 'desc']).optional(),
      // Not createdAt: better-auth hands the text to a Date column, a 500 whatever it says.
      filterField: z.enum(['role', 'userId']).optional(),
      filterValue: z.union([z.string(), z.array(z.string())]).optional(),
      filterOperator: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains']).optional(),
    })
    .superRefine(checkMemberFilter),
  '/organization/update': z.looseObject({
    data: z.looseObject({
      name: ZName.optional(),
      slug: ZSlug.optional(),
      logo: ZImageUrl.optional(),
    }),
  }),
};

function checkFieldRules(path: string, request: FastifyRequest): void {
  const rule = fieldRules[path];
  if (!rule) return;
  const part = request.method === 'GET' ? 'querystring' : 'body';
  const result = rule.safeParse((part === 'body' ? request.body : request.query) ?? {});
  if (result.success) return;
  throw validationFailed(
    result.error.issues.map((issue) => ({
      in: part,
      field: issue.path.join('.'),
      message: issue.message,
    })),
  );
}

/** Fields that hold one of our ids (UUIDs): better-auth hands them to PostgreSQL unchecked. */
export const idFields = ['id', 'organizationId', 'memberId', 'invitationId', 'userId', 'teamId'];
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `uuidPattern` for a JSON schema, which has no case-insensitive flag. */
const uuidJsonPattern = uuidPattern.source.replaceAll('0-9a-f', '0-9a-fA-F');

function checkIdFields(request: FastifyRequest): void {
  const part = request.method === 'GET' ? 'querystring' : 'body';
  const refuse = (name: string, message: string) => {
    throw new AppError('validation_failed', `${name}: ${message}.`, {
      details: { errors: [{ in: part, field: name, message }] },
    });
  };
  for (const name of idFields) {
    const value = field(request, name);
    if (
      value !== undefined &&
      value !== null &&
      !(typeof value === 'string' && uuidPattern.test(value))
    ) {
      refuse(name, 'expected an id (UUID)');
    }
  }
  const memberIdOrEmail = field(request, 'memberIdOrEmail');
  if (
    memberIdOrEmail !== undefined &&
    !(
      typeof memberIdOrEmail === 'string' &&
      (uuidPattern.test(memberIdOrEmail) || memberIdOrEmail.includes('@'))
    )
  ) {
    refuse('memberIdOrEmail', "expected a member's id (UUID) or email address");
  }
}

/**
 * better-auth under /v1/auth, one route per endpoint with its declared access: sign-up, sign-in,
 * sessions, verification, password reset, organizations, members and invitations.
 */
type TLimiter = ReturnType<FastifyInstance['createRateLimit']>;

async function enforce(limiter: TLimiter, request: FastifyRequest, message: string) {
  const limit = await limiter(request);
  if (!limit.isAllowed && limit.isExceeded) {
    throw new AppError('rate_limited', `${message} Retry after ${limit.ttlInSeconds} s.`, {
      headers: { 'retry-after': String(limit.ttlInSeconds) },
    });
  }
}

export function authRoutes(deps: TAuthRoutesDeps): FastifyPluginAsyncZod {
  const { config, auth } = deps;
  const accountKey = (email: string) =>
    createHmac('sha256', config.AUTH_SECRET)
      .update(`account:${email.trim().toLowerCase()}`)
      .digest('hex');
  return async (app) => {
    app.get(
      '/v1/session/csrf-token',
      {
        config: { permission: 'authenticated', sessionOnly: true },
        schema: {
          tags: ['auth'],
          operationId: 'getCsrfToken',
          description:
            'A cookie-authenticated POST, PUT, PATCH or DELETE sent without an Origin header of this app must carry this token in the named header; bearer and API key clients need none.',
          summary:
            'The CSRF token of this session, for cookie clients that send no Origin header (as x-csrf-token).',
          response: { 200: ZCsrfToken },
        },
      },
      async (request) => ({
        token: request.principal!.sessionId
          ? csrfTokenFor(config.AUTH_SECRET, request.principal!.sessionId)
          : null,
        header: csrfHeader,
      }),
    );
    // One budget per IP for every credential endpoint together (a route's own rateLimit config
    // would count each endpoint apart).
    const credentialLimit = app.createRateLimit({
      max: config.RATE_LIMIT_AUTH_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => `${request.ip}:credentials`,
    });
    app.get(
      '/.well-known/jwks.json',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          operationId: 'getWellKnownJwks',
          description:
            'The key set of GET /v1/auth/jwks at the well-known location, cacheable for five minutes: verify a JWT access token with the key its `kid` names.',
          summary: 'The public keys JWT access tokens are signed with (JWKS), for their verifiers.',
          response: {
            200: z.object({
              keys: z.array(z.looseObject({ kid: z.string().optional(), kty: z.string() })),
            }),
          },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300');
        const { keys } = await auth.api.getJwks();
        return { keys: keys.map((key) => ({ ...key, kty: String(key.kty) })) };
      },
    );
    app.get(
      '/v1/auth/providers',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          operationId: 'listSignInMethods',
          description:
            'What a sign-in page offers: the password form, and one button per working OAuth or OpenID Connect provider (for POST /v1/auth/sign-in/social).',
          summary:
            'The ways to sign in here: password, and each configured OAuth or OpenID Connect provider.',
          response: { 200: ZSignInMethods },
        },
      },
      async () => ({ password: true, providers: await signInProviders(auth) }),
    );
    // Per address, whichever IPs the requests come from (IP limits miss a botnet).
    const accountLimit = app.createRateLimit({
      max: config.RATE_LIMIT_ACCOUNT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => `account:${accountKey(String(field(request, 'email')))}`,
    });
    for (const endpoint of exposedAuthEndpoints(auth)) {
      const { path, access } = endpoint;
      const isCredential = credentialPaths.has(path);
      app.route({
        method: endpoint.methods,
        url: `${authBasePath}${path}`,
        config: {
          permission: access,
          requestSchema: { body: endpoint.body, querystring: endpoint.query },
          sessionOnly: true,
          refusedWhileImpersonating: refusedWhileImpersonating.has(path),
        },
        // better-auth's own document (merged into /v1/openapi.json) describes these.
        schema: { hide: true },
        preHandler: async (request) => {
          if (isCredential) {
            await enforce(
              credentialLimit,
              request,
              `Too many sign-in and password requests from this address: the limit is ${config.RATE_LIMIT_AUTH_MAX} per ${config.RATE_LIMIT_WINDOW_MS / 1000} s.`,
            );
          }
          if (accountPaths.has(path) && typeof field(request, 'email') === 'string') {
            await enforce(accountLimit, request, 'Too many requests for this email address.');
          }
          // Another organization's id first: it answers 404 whatever else is wrong.
          if (isPermission(access)) await checkActiveOrganization(deps, request);
          checkRedirectFields(request);
          checkIdFields(request);
          if (isPermission(access)) await checkMemberManagement(deps, path, request);
          checkFieldRules(path, request);
        },
        handler: async (request, reply) => {
          // Only hashes of backup codes are stored (two-factor.ts): compare the hash.
          const body = request.body as { code?: unknown } | undefined;
          if (path === '/two-factor/verify-backup-code' && typeof body?.code === 'string') {
            request.body = { ...body, code: hashBackupCode(body.code) };
          }
          const handle = () => auth.handler(toWebRequest(request, config.PUBLIC_URL, path));
          let response: Response;
          if (path === '/get-session') {
            response = await withImpersonation(deps, reply, await handle());
          } else if (path === '/sign-out') {
            // A public endpoint (no principal): its audit entry names the impersonator too.
            const actingFor = await impersonationOfCaller(deps, request);
            response = actingFor ? await runActingFor(actingFor, handle) : await handle();
          } else {
            response = await handle();
          }
          return sendWebResponse(request, reply, response, withQrCode.has(path));
        },
      });
    }
  };
}

export type TOpenApiFragment = {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
};

/**
 * Descriptions for the endpoints better-auth documents without one (by path below /v1/auth).
 */
const authDescriptions: Record<string, string> = {
  '/callback/:id':
    'Where an OAuth or OpenID Connect provider (`id`) sends the browser back after sign-in: it starts the session and redirects to the callbackURL given at sign-in, or to the sign-in page with `?error=`. POST is for providers that answer with a form post.',
  '/change-email':
    "Change the caller's email address. The change waits for the link mailed to confirm it; `message` says which step happened.",
  '/organization/cancel-invitation':
    'Cancel a pending invitation of the active organization: its link stops working. Answers the invitation.',
  '/organization/list-invitations':
    'The invitations of the active organization (or of `organizationId`, a member of it), whatever their status.',
  '/organization/check-slug':
    'Whether a slug is free for a new organization: 200 with `status: true` when it is, 400 when it is taken.',
  '/organization/leave':
    'Leave an organization the caller belongs to (not as its only owner). Answers the membership that ended.',
  '/organization/list-members':
    'The members of the active organization with their user, and how many there are in all (`total`); paged with `limit` and `offset`.',
  '/organization/get-active-member-role':
    "The caller's role in the active organization, or another member's with `userId`.",
};

const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const invitationRef = { $ref: '#/components/schemas/Invitation' };
const memberRef = { $ref: '#/components/schemas/Member' };

/** A membership with the person holding it, as list-members and get-full-organization answer. */
const memberWithUser = {
  allOf: [
    memberRef,
    {
      type: 'object',
      properties: {
        user: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            email: { type: 'string' },
            image: { type: ['string', 'null'] },
          },
          required: ['id', 'name', 'email'],
        },
      },
      required: ['user'],
    },
  ],
};

/**
 * The success answers of the endpoints better-auth documents with error answers only, or
 * otherwise than they answer (by path below /v1/auth), as their handlers answer them.
 */
const redirect = (description: string) => ({
  description,
  headers: { location: { description: 'Where to go next.', schema: { type: 'string' } } },
});

/**
 * Endpoints that only ever redirect: their documented 200 is never answered (reset-password's
 * link always goes on to the callbackURL, with `?token=` or `?error=`; the error page goes to our
 * sign-in page, `onAPIError.errorURL`).
 */
const redirectOnly = new Set(['/reset-password/:token', '/error']);

const authSuccessResponses: Record<string, Record<string, object>> = {
  '/reset-password/:token': {
    302: redirect(
      'Redirects to the callbackURL with `?token=` to set the new password with, or with `?error=INVALID_TOKEN`.',
    ),
  },
  '/error': {
    302: redirect('Redirects to the sign-in page, with the error as `?error=`.'),
  },
  // better-auth documents `user` as always there; it answers null (already verified) or leaves it
  // out (the first step of an email change), and redirects when a callbackURL came with the link.
  '/verify-email': {
    200: json(
      {
        type: 'object',
        properties: {
          status: { type: 'boolean' },
          user: { anyOf: [{ $ref: '#/components/schemas/User' }, { type: 'null' }] },
        },
        required: ['status'],
      },
      'The address is verified (or the change approved).',
    ),
    302: redirect('Redirects to the callbackURL of the link, with `?error=` when it failed.'),
  },
  '/delete-user/callback': {
    302: redirect('Redirects to the callbackURL of the link once the account is deleted.'),
  },
  '/callback/:id': {
    302: {
      description:
        'Redirects to the callbackURL given at sign-in (signed in), or to the sign-in page with `?error=`.',
      headers: { location: { description: 'Where to go next.', schema: { type: 'string' } } },
    },
  },
  '/organization/cancel-invitation': { 200: json(invitationRef, 'The canceled invitation.') },
  '/organization/list-invitations': {
    200: json({ type: 'array', items: invitationRef }, 'The invitations.'),
  },
  '/organization/check-slug': {
    200: json(
      { type: 'object', properties: { status: { type: 'boolean' } }, required: ['status'] },
      'The slug is free.',
    ),
  },
  '/organization/leave': { 200: json(memberRef, 'The membership that ended.') },
  // better-auth documents the organization alone; its members and invitations come with it.
  '/organization/get-full-organization': {
    200: json(
      {
        allOf: [
          { $ref: '#/components/schemas/Organization' },
          {
            type: 'object',
            properties: {
              members: {
                type: 'array',
                items: memberWithUser,
                description: 'Its members (up to `membersLimit`).',
              },
              invitations: { type: 'array', items: invitationRef },
            },
            required: ['members', 'invitations'],
          },
        ],
      },
      'The organization, with its members and invitations.',
    ),
  },
  // better-auth documents `{ member }`; the handler answers the member itself.
  '/organization/update-member-role': {
    200: json(memberRef, 'The membership, with its new role.'),
  },
  // better-auth documents `error` as a string; the handler always answers it null.
  '/organization/has-permission': {
    200: json(
      {
        type: 'object',
        properties: {
          error: { type: 'null', description: 'Always null: a refusal is an error answer.' },
          success: {
            type: 'boolean',
            description: 'Whether the role in the organization grants every permission asked.',
          },
        },
        required: ['success'],
      },
      'Whether the caller has the permissions.',
    ),
  },
  '/organization/list-members': {
    200: json(
      {
        type: 'object',
        properties: {
          members: { type: 'array', items: memberWithUser },
          total: { type: 'integer' },
        },
        required: ['members', 'total'],
      },
      'One page of members.',
    ),
  },
  '/organization/get-active-member-role': {
    200: json(
      { type: 'object', properties: { role: { type: 'string' } }, required: ['role'] },
      'The role (comma-separated when a member holds several).',
    ),
  },
};

type TAuthOperation = {
  tags?: string[];
  operationId?: string;
  summary?: string;
  description?: string;
  security?: unknown;
  parameters?: { in: string; name: string; required?: boolean; schema?: unknown }[];
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: TJsonSchema }>;
  };
  responses?: Record<string, unknown>;
};

type TJsonSchema = {
  type?: unknown;
  format?: string;
  pattern?: string;
  description?: string;
  properties?: Record<string, TJsonSchema>;
  required?: string[];
  anyOf?: TJsonSchema[];
  oneOf?: TJsonSchema[];
  allOf?: TJsonSchema[];
  items?: TJsonSchema | boolean;
  additionalProperties?: TJsonSchema | boolean;
  propertyNames?: TJsonSchema | boolean;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
};

type TQueryParameter = {
  name: string;
  in: 'query';
  required: boolean;
  description?: string;
  schema: TJsonSchema;
};

/**
 * The query parameters an endpoint's `query` schema accepts, one per property: better-auth
 * documents them for some endpoints only (none for list-members' paging). A property of every
 * branch of a union (account-info's) is required only where each branch requires it.
 */
export function queryParametersOf(query: ZodType): TQueryParameter[] {
  const schema = z.toJSONSchema(query, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as TJsonSchema;
  const branches = [schema, ...(schema.anyOf ?? schema.oneOf ?? [])].filter((s) => s.properties);
  const alternatives = schema.anyOf ?? schema.oneOf;
  const requiredIn = (s: TJsonSchema, name: string) => s.required?.includes(name) ?? false;
  const parameters = new Map<string, TQueryParameter>();
  for (const branch of branches) {
    for (const [name, property] of Object.entries(branch.properties!)) {
      if (parameters.has(name)) continue;
      const required =
        requiredIn(schema, name) ||
        (alternatives !== undefined && alternatives.every((s) => requiredIn(s, name)));
      // zod puts a union's description on its first member.
      const description = property.description ?? property.anyOf?.[0]?.description;
      parameters.set(name, {
        name,
        in: 'query',
        required,
        ...(description ? { description } : {}),
        schema: property,
      });
    }
  }
  return [...parameters.values()];
}

const toJsonSchema = (schema: ZodType): TJsonSchema => {
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as TJsonSchema & { $schema?: string };
  delete converted.$schema;
  return converted;
};

const allowsType = (schema: TJsonSchema, type: string) =>
  schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

/**
 * A documented property narrowed by its `fieldRules` rule: the rule's keywords (bounds, pattern)
 * on the documented type, which loses null when the rule refuses it. Objects (update's `data`)
 * are narrowed property by property, keeping the ones the rule does not name.
 */
function narrowedBy(documented: TJsonSchema, rule: TJsonSchema): TJsonSchema {
  if (rule.properties && documented.properties) {
    const properties = { ...documented.properties };
    for (const [name, inner] of Object.entries(rule.properties)) {
      if (properties[name]) properties[name] = narrowedBy(properties[name], inner);
    }
    return { ...documented, properties };
  }
  const alternatives = rule.anyOf ?? [rule];
  const nonNull = alternatives.filter((s) => s.type !== 'null');
  const allowsNull = nonNull.length < alternatives.length || allowsType(rule, 'null');
  const { type: ruleType, ...keywords } = nonNull.length === 1 ? nonNull[0]! : rule;
  // The documented description stays (the rule's messages are not descriptions).
  delete keywords.description;
  const documentedTypes = [documented.type ?? ruleType].flat();
  const types = documentedTypes.filter((t) => t !== 'null' || allowsNull);
  return {
    ...documented,
    ...keywords,
    ...(types.length > 0 ? { type: types.length === 1 ? types[0] : types } : {}),
  };
}

/**
 * The longest string a query parameter is documented with: the request line and headers
 * together get 16 KiB from Node, so a value anywhere near the JSON parser's limit never arrives.
 */
const queryStringLength = 2048;
/** The most values a repeated query parameter is documented with, for the same reason. */
const queryItems = 100;

/** An email address as SMTP carries one (RFC 5321's 254 octets). */
const emailLength = 254;

/**
 * A redirect target as `checkRedirectFields` accepts it: a root-relative path, or an absolute
 * http(s) URL on a host name (better-auth also checks its origin is one of the trusted ones),
 * with no white space or control character. Written without lookarounds so generators cope.
 */
const redirectTargetPattern = String.raw`^(?:/(?:[^/\\\x00-\x20\x7f][^\x00-\x20\x7f]*)?|[hH][tT][tT][pP][sS]?://[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z][A-Za-z0-9-]*)*(?::[0-9]{1,4})?(?:[/?#][^\x00-\x20\x7f]*)?)$`;

/**
 * What our front door checks of a top-level field, whether in a body or a query (`field` reads
 * both), as JSON schema keywords: ids as UUIDs (`idFields`), `memberIdOrEmail`, redirect targets
 * (`redirectFields`), email addresses and passwords at their real limits.
 */
function frontDoorField(auth: Auth, path: string, name: string, schema: TJsonSchema): TJsonSchema {
  if (!allowsType(schema, 'string')) return schema;
  if (idFields.includes(name)) {
    // The check is case-insensitive; a JSON schema pattern is not.
    return { ...schema, format: 'uuid', pattern: uuidJsonPattern, maxLength: 36 };
  }
  if (name === 'memberIdOrEmail') {
    return {
      ...schema,
      maxLength: emailLength,
      anyOf: [{ format: 'uuid', pattern: uuidJsonPattern }, { format: 'email' }],
    };
  }
  if (redirectFields.includes(name)) {
    return { ...schema, pattern: redirectTargetPattern, maxLength: ZImageUrlLength };
  }
  if (name === 'email' || name === 'newEmail') {
    return { ...schema, format: 'email', maxLength: emailLength };
  }
  const passwords = auth.options.emailAndPassword;
  if (/^(?:new|current)?password$/i.test(name) && passwords?.maxPasswordLength) {
    const isNew = name === 'newPassword' || (path === '/sign-up/email' && name === 'password');
    return {
      ...schema,
      ...(isNew && passwords.minPasswordLength ? { minLength: passwords.minPasswordLength } : {}),
      maxLength: passwords.maxPasswordLength,
    };
  }
  return schema;
}

/**
 * Bounds on every string and array that has none, at any depth: a fuzzer generating requests
 * from the document cannot otherwise know where the server stops (`jsonLimits` for a body).
 */
function bounded(schema: TJsonSchema, limits: { stringLength: number; items: number }) {
  const copy: TJsonSchema = { ...schema };
  if (copy.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties).map(([name, inner]) => [name, bounded(inner, limits)]),
    );
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (copy[key]) copy[key] = copy[key].map((inner) => bounded(inner, limits));
  }
  if (copy.items && typeof copy.items === 'object') copy.items = bounded(copy.items, limits);
  if (copy.propertyNames && typeof copy.propertyNames === 'object') {
    copy.propertyNames = bounded(copy.propertyNames, limits);
  }
  if (
    copy.additionalProperties &&
    typeof copy.additionalProperties === 'object' &&
    Object.keys(copy.additionalProperties).length > 0
  ) {
    copy.additionalProperties = bounded(copy.additionalProperties, limits);
  }
  if (allowsType(copy, 'string') && copy.maxLength === undefined && copy.enum === undefined) {
    copy.maxLength = limits.stringLength;
  }
  if (allowsType(copy, 'array') && copy.maxItems === undefined) copy.maxItems = limits.items;
  return copy;
}

/**
 * A query parameter as our front door accepts it, which is stricter than better-auth: the
 * limits of `fieldRules` (list-members' paging and sorting), ids as UUIDs (`idFields`), redirect
 * targets, and a length for every string.
 */
function withFrontDoorRules(auth: Auth, path: string, parameter: TQueryParameter): TQueryParameter {
  const rule = (fieldRules[path] as { shape?: Record<string, ZodType> } | undefined)?.shape?.[
    parameter.name
  ];
  const description = parameter.description;
  const schema = rule
    ? { ...toJsonSchema(rule), ...(description ? { description } : {}) }
    : frontDoorField(auth, path, parameter.name, parameter.schema);
  return {
    ...parameter,
    schema: bounded(schema, { stringLength: queryStringLength, items: queryItems }),
  };
}

/**
 * A request body's schema as our front door accepts it: better-auth's (or, where it documents
 * none, the endpoint's zod `body`), narrowed by `fieldRules`, `frontDoorField` on each top-level
 * field (of each alternative of a union), and every string and array bounded by `jsonLimits`.
 */
function withFrontDoorBody(auth: Auth, path: string, documented: TJsonSchema): TJsonSchema {
  const rule = fieldRules[path] ? toJsonSchema(fieldRules[path]) : undefined;
  const narrow = (schema: TJsonSchema): TJsonSchema => {
    let copy = { ...schema };
    if (copy.properties) {
      if (rule) copy = narrowedBy(copy, rule);
      copy.properties = Object.fromEntries(
        Object.entries(copy.properties!).map(([name, inner]) => [
          name,
          frontDoorField(auth, path, name, inner),
        ]),
      );
    }
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (copy[key]) copy[key] = copy[key].map(narrow);
    }
    return copy;
  };
  return bounded(narrow(documented), jsonLimits);
}

/**
 * better-auth's endpoints as an OpenAPI fragment: the ones served over HTTP, with the methods
 * served, paths under /v1/auth, tagged `auth`. Each operation is named by its key in `auth.api`
 * (`signInEmail`), the POST of an endpoint also served on GET with `Post` appended
 * (`getSessionPost`). Its error answers are dropped: ours are problem+json, documented for every
 * operation, and so is its security (better-auth names an undefined `bearerAuth`), which follows
 * the endpoint's declared access like any route's.
 */
export async function authOpenApi(auth: Auth): Promise<TOpenApiFragment> {
  const document = (await auth.api.generateOpenAPISchema()) as unknown as {
    paths?: Record<string, Record<string, TAuthOperation>>;
    components?: { schemas?: Record<string, unknown> };
  };
  const served = new Map(exposedAuthEndpoints(auth).map((e) => [e.path, e]));
  const paths: Record<string, unknown> = {};
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    const endpointPath = path.replace(/\{([^}]+)\}/g, ':$1');
    const endpoint = served.get(endpointPath);
    if (!endpoint) continue;
    const methods = endpoint.methods.map((m) => m.toLowerCase());
    paths[`${authBasePath}${path}`] = Object.fromEntries(
      Object.entries(operations)
        .filter(([method]) => methods.includes(method))
        .map(([method, original]) => {
          const operation = structuredClone(
            path === '/get-session' ? withImpersonationSchema(original) : original,
          ) as TAuthOperation;
          delete operation.security;
          const responses = Object.fromEntries(
            Object.entries(operation.responses ?? {}).filter(([status]) => Number(status) < 400),
          );
          // The query schema is what the endpoint accepts: what better-auth leaves out is added,
          // and what it declares optional while the schema requires it (get-invitation's id)
          // is required.
          const accepted = new Map(
            (endpoint.query ? queryParametersOf(endpoint.query) : []).map((p) => [
              p.name,
              withFrontDoorRules(auth, endpointPath, p),
            ]),
          );
          for (const parameter of operation.parameters ?? []) {
            const inSchema = parameter.in === 'query' ? accepted.get(parameter.name) : undefined;
            if (!inSchema) continue;
            parameter.required = inSchema.required;
            parameter.schema = inSchema.schema;
            accepted.delete(parameter.name);
          }
          if (accepted.size > 0) {
            operation.parameters = [...(operation.parameters ?? []), ...accepted.values()];
          }
          if (method !== 'get') {
            const content = operation.requestBody?.content?.['application/json'];
            const documented =
              content?.schema ?? (endpoint.body ? toJsonSchema(endpoint.body) : undefined);
            if (documented) {
              operation.requestBody = {
                ...(operation.requestBody ?? {
                  required: !endpoint.body?.safeParse(undefined).success,
                }),
                content: {
                  ...operation.requestBody?.content,
                  'application/json': {
                    ...content,
                    schema: withFrontDoorBody(auth, endpointPath, documented),
                  },
                },
              };
            }
          }
          return [
            method,
            {
              ...operation,
              tags: ['auth'],
              operationId:
                method === 'post' && methods.includes('get') ? `${endpoint.key}Post` : endpoint.key,
              description:
                operation.description ?? authDescriptions[endpointPath] ?? operation.summary,
              ...(endpoint.access === 'challenge' ? { security: twoFactorChallengeSecurity } : {}),
              responses: {
                ...(redirectOnly.has(endpointPath) ? {} : responses),
                ...authSuccessResponses[endpointPath],
              },
            },
          ];
        }),
    );
  }
  const schemas = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [
      name,
      modelSchema(name, schema as TModelSchema),
    ]),
  );
  return { paths, components: { schemas } };
}

type TModelSchema = {
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
};

/**
 * A better-auth model as its answers carry it: a field it lists as optional is a nullable
 * column, answered as `null` when unset (a user's image, a session's activeOrganizationId).
 */
function modelSchema(name: string, schema: TModelSchema): TModelSchema {
  const required = new Set(schema.required ?? []);
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([field, property]) => [
      field,
      required.has(field) ? property : nullableAsType({ ...property, nullable: true }),
    ]),
  );
  if (name === 'Organization' && properties.metadata) {
    // Stored as JSON text: create and update answer it parsed, the other endpoints as the text.
    properties.metadata = {
      description:
        'Free-form JSON of the organization: an object in the create and update answers, its JSON text elsewhere.',
      type: ['string', 'object', 'null'],
    };
  }
  return { ...schema, properties };
}

/** The session answer documents what we add to it: `impersonation`, while impersonating. */
function withImpersonationSchema(operation: object): object {
  const copy = structuredClone(operation) as {
    responses?: Record<
      string,
      { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }
    >;
  };
  const schema = copy.responses?.['200']?.content?.['application/json']?.schema;
  if (schema?.properties) {
    const impersonation: Record<string, unknown> = z.toJSONSchema(ZSessionImpersonation, {
      target: 'draft-2020-12',
    });
    delete impersonation.$schema;
    schema.properties.impersonation = {
      ...impersonation,
      description:
        'Present while a platform superadmin acts as this user (impersonation): show it.',
    };
  }
  return copy;
}
