import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** The provider's id and name as the server is configured with them (OIDC_PROVIDERS). */
export const idpId = 'acme';
export const idpName = 'Acme SSO';

/**
 * The person the OpenID Connect journey signs in as. oidc-provider uses the login typed on its
 * sign-in page as the account id, and the account id as `sub`.
 */
export const idpUser = {
  login: 'e2e-oidc-user',
  email: 'e2e-oidc@acme.test',
  name: 'Oidc Person',
} as const;

export type TE2eIdp = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
};

type TClaims = { email: string; email_verified: boolean; name: string };

/**
 * Who a login is. Specs run in worker processes and cannot reach this process's memory, so
 * besides the one fixed person, a login that is an email address is a person with that
 * (verified) address: a journey can connect the provider to an account it just signed up.
 */
function claimsOf(login: string): TClaims | undefined {
  if (login === idpUser.login)
    return { email: idpUser.email, email_verified: true, name: idpUser.name };
  if (/^[^\s@]+@[^\s@]+$/.test(login))
    return { email: login.toLowerCase(), email_verified: true, name: login.split('@')[0]! };
  return undefined;
}

/**
 * A real OpenID Connect provider (panva's oidc-provider) on a free loopback port, with one
 * confidential client (client_secret_basic, PKCE required) whose redirect URI is the server's
 * callback, and its development sign-in and consent pages. Configured as in
 * apps/server/test/oidc-provider.ts, which the server's own OIDC tests use.
 */
export async function startE2eIdp(options: { redirectUri: string }): Promise<TE2eIdp> {
  const clientId = 'corebase-e2e';
  const clientSecret = 'e2e-idp-client-secret-0123456789abcdef';
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: {
      keys: [{ ...(await exportJWK(privateKey)), kid: 'e2e-key', use: 'sig', alg: 'RS256' }],
    },
    // Set, so the provider does not warn about its defaults on every journey.
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
      RefreshToken: 3600,
    },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id: string) => {
      const claims = claimsOf(id);
      if (!claims) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...claims }) };
    },
    // Its development login page takes any login; the password field is not checked.
    features: { devInteractions: { enabled: true } },
  });
  // Plain http on loopback: the provider must not insist on https for its cookies.
  provider.proxy = false;
  const callback = provider.callback();
  server.on('request', (request, response) => void callback(request, response));
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Browsers keep connections open; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
