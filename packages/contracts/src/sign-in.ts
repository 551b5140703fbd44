import { z } from 'zod';

/** A provider people can sign in with here: configured on the server, and working. */
export const ZSignInProvider = z.object({
  /** What to send as `provider` to /v1/auth/sign-in/social and /v1/auth/link-social. */
  id: z.string().min(1),
  name: z.string(),
  /** `oauth`: Google or GitHub; `oidc`: an OpenID Connect identity provider. */
  type: z.enum(['oauth', 'oidc']),
});

/** `GET /v1/auth/providers`: the ways to sign in, for the sign-in page. */
export const ZSignInMethods = z.object({
  /** Email and password (always on). */
  password: z.boolean(),
  providers: z.array(ZSignInProvider),
});

export type TSignInProvider = z.infer<typeof ZSignInProvider>;
export type TSignInMethods = z.infer<typeof ZSignInMethods>;
