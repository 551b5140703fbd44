import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';

/** The hosts better-auth has written in for Google and GitHub. */
const fakedHosts = [
  'accounts.google.com',
  'oauth2.googleapis.com',
  'www.googleapis.com',
  'github.com',
  'api.github.com',
];

/**
 * Sends requests for the faked hosts to a local server instead, with the host as the first path
 * segment; every other request goes out as before. Node's fetch (which better-auth uses) takes
 * the dispatcher installed with undici's setGlobalDispatcher.
 */
class ReroutingAgent extends Agent {
  constructor(private readonly target: string) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers) {
    const host = new URL(String(options.origin)).host;
    if (!fakedHosts.includes(host)) return super.dispatch(options, handler);
    return super.dispatch(
      { ...options, origin: this.target, path: `/${host}${options.path}` },
      handler,
    );
  }
}

export type TGoogleUser = {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
  picture?: string;
};
export type TGithubUser = {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
};

type TGrant = { codeChallenge: string; clientId: string } & (
  | { provider: 'google'; user: TGoogleUser; nonce: string | null }
  | { provider: 'github'; user: TGithubUser }
);

export type TOAuthFakes = {
  google: { clientId: string; clientSecret: string };
  github: { clientId: string; clientSecret: string };
  /**
   * Plays the person on the provider's consent page: takes the authorization URL our server
   * produced, and answers with the code and state the provider would send back.
   */
  consent(
    authorizationUrl: string,
    user: TGoogleUser | TGithubUser,
  ): { code: string; state: string };
  /** A Google ID token, signed by the key Google's certs endpoint serves (or by another). */
  googleIdToken(
    user: TGoogleUser,
    options?: { audience?: string; foreignKey?: boolean; nonce?: string },
  ): Promise<string>;
  /** Token requests received, per provider (their form bodies). */
  tokenRequests: { host: string; body: URLSearchParams; authorization: string | undefined }[];
  close(): Promise<void>;
};

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

/** Google's and GitHub's OAuth endpoints, as far as better-auth uses them, on a local port. */
export async function startOAuthFakes(): Promise<TOAuthFakes> {
  const google = { clientId: 'google-client.apps.test', clientSecret: 'google-secret-0123456789' };
  const github = { clientId: 'github-client-id', clientSecret: 'github-secret-0123456789' };
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const publicJwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid: 'google-test',
    alg: 'RS256',
    use: 'sig',
  };
  const grants = new Map<string, TGrant>();
  const githubTokens = new Map<string, TGithubUser>();
  const tokenRequests: TOAuthFakes['tokenRequests'] = [];

  const signGoogle = (
    user: TGoogleUser,
    {
      audience = google.clientId,
      foreignKey = false,
      nonce,
    }: { audience?: string; foreignKey?: boolean; nonce?: string | null } = {},
  ) =>
    new SignJWT({ ...user, ...(nonce ? { nonce } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid: 'google-test' })
      .setIssuer('https://accounts.google.com')
      .setAudience(audience)
      .setSubject(user.sub)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(foreignKey ? foreign.privateKey : privateKey);

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const [, host, ...rest] = url.pathname.split('/');
      const path = `/${rest.join('/')}`;
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const tokenRequest = async () => {
        const body = new URLSearchParams(await readBody(request));
        tokenRequests.push({ host: host!, body, authorization: request.headers.authorization });
        const grant = grants.get(body.get('code') ?? '');
        grants.delete(body.get('code') ?? '');
        const secret =
          body.get('client_secret') ??
          Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
            .toString()
            .split(':')[1];
        const expected = host === 'github.com' ? github : google;
        if (!grant || secret !== expected.clientSecret) return undefined;
        // PKCE: the verifier must hash to the challenge the authorization request carried.
        const verifier = body.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (grant.codeChallenge && challenge !== grant.codeChallenge) return undefined;
        return grant;
      };
      if (host === 'www.googleapis.com' && path === '/oauth2/v3/certs') {
        return send(200, { keys: [publicJwk] });
      }
      if (host === 'oauth2.googleapis.com' && path === '/token') {
        const grant = await tokenRequest();
        if (grant?.provider !== 'google') return send(400, { error: 'invalid_grant' });
        return send(200, {
          access_token: `ya29.${randomUUID()}`,
          expires_in: 3599,
          scope: 'openid email profile',
          token_type: 'Bearer',
          id_token: await signGoogle(grant.user, { nonce: grant.nonce }),
        });
      }
      if (host === 'github.com' && path === '/login/oauth/access_token') {
        const grant = await tokenRequest();
        if (grant?.provider !== 'github') return send(200, { error: 'bad_verification_code' });
        const token = `gho_${randomUUID().replaceAll('-', '')}`;
        githubTokens.set(token, grant.user);
        return send(200, {
          access_token: token,
          token_type: 'bearer',
          scope: 'read:user,user:email',
        });
      }
      if (host === 'api.github.com') {
        const user = githubTokens.get(
          (request.headers.authorization ?? '').replace(/^Bearer /i, ''),
        );
        if (!user) return send(401, { message: 'Bad credentials' });
        if (path === '/user') {
          return send(200, {
            id: user.id,
            login: user.login,
            name: user.name,
            email: null,
            avatar_url: `https://avatars.example/${user.id}`,
          });
        }
        if (path === '/user/emails') return send(200, user.emails);
      }
      return send(404, { error: 'not_found', path: url.pathname });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const previous = getGlobalDispatcher();
  setGlobalDispatcher(
    new ReroutingAgent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  );

  return {
    google,
    github,
    tokenRequests,
    consent(authorizationUrl, user) {
      const url = new URL(authorizationUrl);
      const code = randomUUID();
      const codeChallenge = url.searchParams.get('code_challenge') ?? '';
      const clientId = url.searchParams.get('client_id') ?? '';
      grants.set(
        code,
        'sub' in user
          ? {
              provider: 'google',
              user,
              nonce: url.searchParams.get('nonce'),
              codeChallenge,
              clientId,
            }
          : { provider: 'github', user, codeChallenge, clientId },
      );
      return { code, state: url.searchParams.get('state') ?? '' };
    },
    googleIdToken: (user, options) => signGoogle(user, options),
    close: async () => {
      setGlobalDispatcher(previous);
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
