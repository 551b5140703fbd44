import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export type TIdpAccount = {
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
};

export type TIdp = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** People who can sign in at this provider, by their login (the `sub`). */
  accounts: Map<string, TIdpAccount>;
  /**
   * Plays the person in the browser: opens the authorization URL, signs in as `login` and
   * consents on the provider's own pages, and returns the redirect back to the client (code,
   * state, iss) without following it.
   */
  authorize(authorizationUrl: string, login: string): Promise<URL>;
  /** Every token request the provider received (its form bodies), to check PKCE. */
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
};

/**
 * A real OpenID Connect provider (panva's oidc-provider) on a free local port, with one
 * confidential client whose redirect URIs are given, and its development sign-in and consent
 * pages (a login form that takes an account id).
 */
export async function startIdp(options: { redirectUris: string[] }): Promise<TIdp> {
  const accounts = new Map<string, TIdpAccount>();
  const tokenRequests: URLSearchParams[] = [];
  const clientId = 'corebase-test';
  const clientSecret = 'idp-client-secret-0123456789abcdef';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: {
      keys: [{ ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' }],
    },
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
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id: string) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: account.sub,
          email: account.email,
          email_verified: account.emailVerified,
          name: account.name,
        }),
      };
    },
    // Silences the "development only" warnings that are the point of a test provider.
    features: { devInteractions: { enabled: true } },
  });
  // Plain http on loopback: the provider must not insist on https for its cookies.
  provider.proxy = false;
  const callback = provider.callback();
  server.on('request', (request, response) => {
    if (request.method === 'POST' && request.url?.startsWith('/token')) {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        tokenRequests.push(new URLSearchParams(Buffer.concat(chunks).toString())),
      );
    }
    void callback(request, response);
  });

  /** A browser's cookie jar, as far as one provider's pages need it. */
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const visit = async (url: string, form?: Record<string, string>) => {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: cookieHeader(),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    keep(response);
    return response;
  };

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tokenRequests,
    async authorize(authorizationUrl, login) {
      jar.clear();
      let url = authorizationUrl;
      for (let step = 0; step < 12; step += 1) {
        const response = await visit(url);
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          const next = new URL(location, url);
          if (next.origin !== issuer) return next;
          url = next.toString();
          continue;
        }
        // A sign-in or consent page: its form posts back to the same interaction URL.
        const html = await response.text();
        if (response.status !== 200)
          throw new Error(`identity provider: ${response.status} ${html}`);
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
        const submitted = await visit(
          url,
          prompt === 'login' ? { prompt, login } : { prompt: prompt ?? '' },
        );
        const after = submitted.headers.get('location');
        if (!after)
          throw new Error(`identity provider: no redirect after ${prompt}: ${submitted.status}`);
        url = new URL(after, url).toString();
      }
      throw new Error('identity provider: too many redirects');
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
