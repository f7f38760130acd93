//! The local OpenID Connect provider of Roster's dev stack and tests: panva's
//! oidc-provider (pinned in package.json) set up like the deployed issuer as
//! far as Roster sees it. Never deployed.
//!
//!   node scripts/oidc/server.mjs [--port 9400] [--issuer URL] [--client-id roster-console]
//!        [--redirect-uris URI,URI...] [--token-ttl 3600] [--keys-file PATH] [--rotate]
//!
//! Every flag can be given as an environment variable instead (a flag wins):
//!   OIDC_PORT             port, on 127.0.0.1 only (default 9400)
//!   OIDC_ISSUER           the `iss` of every token and the base of every endpoint
//!                         (default http://127.0.0.1:$OIDC_PORT). Tokens name it
//!                         exactly: use the same host spelling (127.0.0.1 or
//!                         localhost) wherever it is configured.
//!   OIDC_CLIENT_ID        the one client, public (no secret), code flow with PKCE
//!                         S256 required (default roster-console)
//!   OIDC_REDIRECT_URIS    its redirect URIs, comma-separated, matched exactly
//!                         (default http://127.0.0.1:9000/app/callback). The token
//!                         endpoint answers CORS requests from their origins only.
//!   OIDC_TOKEN_TTL        ID and access token lifetime in seconds (default 3600)
//!   OIDC_KEYS_FILE        the RS256 signing keys, a private JWKS created on first
//!                         start and kept across restarts (default .dev/oidc/keys.json)
//!   OIDC_ROTATE=1         add a new signing key in front of the old ones: new
//!                         tokens are signed with it, the old keys stay published
//!                         in the JWKS so tokens they signed still verify.
//!
//! Endpoints are oidc-provider's: /.well-known/openid-configuration, /jwks,
//! /auth (authorize), /token, /session/end (sign out, to switch users).
//! Signing in (and signing up: there is no difference) is oidc-provider's
//! development form: any text in `login` is the account, its `sub`, and by
//! default its email, verified; the password field is ignored. Consent is
//! never asked (a first-party console). ID tokens carry `email` and
//! `email_verified`; access tokens are RS256 JWTs too, with `aud` = the client
//! id and the same email claims.
//!
//! Dev-only account API, unauthenticated (hence the loopback binding):
//!   PUT /dev/users/{login}  {"email": "...", "email_verified": false}  -> 204
//!   GET /dev/users/{login}  -> the claims the next token will carry
//! An override applies to tokens issued after it, not to those already issued.
//!
//! State other than the keys (sessions, codes) lives in memory and is lost on
//! restart. oidc-provider prints development-only warnings on start (dev
//! interactions, in-memory adapter, and on Node < 22 "Unsupported runtime");
//! they are expected.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function config() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'redirect-uris': { type: 'string' },
      'token-ttl': { type: 'string' },
      'keys-file': { type: 'string' },
      rotate: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    // The usage is the head of this file.
    const head = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n\n')[0];
    console.log(head.replaceAll(/^\/\/! ?/gm, ''));
    process.exit(0);
  }
  const env = process.env;
  const port = Number(values.port ?? env.OIDC_PORT ?? 9400);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`invalid port: ${values.port ?? env.OIDC_PORT}`);
  const issuer = values.issuer ?? env.OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
  if (!URL.canParse(issuer)) fail(`invalid issuer URL: ${issuer}`);
  const redirectUris = (values['redirect-uris'] ?? env.OIDC_REDIRECT_URIS ?? 'http://127.0.0.1:9000/app/callback')
    .split(',').map((u) => u.trim()).filter(Boolean);
  for (const uri of redirectUris) if (!URL.canParse(uri)) fail(`invalid redirect URI: ${uri}`);
  if (redirectUris.length === 0) fail('at least one redirect URI is needed');
  const ttl = Number(values['token-ttl'] ?? env.OIDC_TOKEN_TTL ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 1) fail(`invalid token TTL: ${values['token-ttl'] ?? env.OIDC_TOKEN_TTL}`);
  return {
    port,
    issuer,
    clientId: values['client-id'] ?? env.OIDC_CLIENT_ID ?? 'roster-console',
    redirectUris,
    ttl,
    keysFile: resolve(values['keys-file'] ?? env.OIDC_KEYS_FILE ?? resolve(REPO, '.dev', 'oidc', 'keys.json')),
    rotate: values.rotate ?? env.OIDC_ROTATE === '1',
  };
}

function fail(message) {
  console.error(`oidc: ${message}`);
  process.exit(2);
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/** The private JWKS in `file` (created when missing), with a new first key when rotating. */
function signingKeys(file, rotate) {
  let keys = [];
  if (existsSync(file)) {
    try {
      keys = JSON.parse(readFileSync(file, 'utf8')).keys ?? [];
    } catch (err) {
      fail(`${file}: ${err.message}`);
    }
    for (const key of keys) {
      if (key.kty !== 'RSA' || key.alg !== 'RS256' || !key.kid || !key.d) {
        fail(`${file}: every key must be a private RS256 RSA key with a kid`);
      }
    }
  }
  if (keys.length > 0 && !rotate) return keys;
  // oidc-provider signs with the first key of an algorithm: a new key goes first.
  keys = [newSigningKey(), ...keys];
  mkdirSync(dirname(file), { recursive: true });
  // Private keys: owner-only, and never a half-written file (write, then rename).
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ keys }, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return keys;
}

const cfg = config();
const keys = signingKeys(cfg.keysFile, cfg.rotate);
// The resource indicator of Roster's API. The console asks for none; every
// grant gets this one, which is what makes access tokens JWTs.
const API_RESOURCE = 'urn:roster:api';
// Per-login claim overrides set through /dev/users (default: email = login, verified).
const users = new Map();

function accountClaims(login) {
  const u = users.get(login) ?? {};
  return { sub: login, email: u.email ?? login, email_verified: u.email_verified ?? true };
}

const provider = new Provider(cfg.issuer, {
  clients: [{
    client_id: cfg.clientId,
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    redirect_uris: cfg.redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys },
  // PKCE is required for public clients by default and S256 is the only method.
  pkce: { required: () => true },
  scopes: ['openid', 'email'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // Roster reads email and email_verified from the ID token itself, as the
  // deployed issuer puts them there; oidc-provider otherwise keeps them for
  // /me when an access token is issued too.
  conformIdTokenClaims: false,
  // Explicit values for everything issued, which also keeps oidc-provider's
  // "you SHOULD change" notices out of the log.
  ttl: {
    AccessToken: cfg.ttl,
    IdToken: cfg.ttl,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 86400,
    Grant: 86400,
  },
  // The default policy, written out: a public client's requests are allowed
  // from the origins of its redirect URIs (the console calls /token from the page).
  clientBasedCORS(ctx, origin, client) {
    return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
  },
  cookies: { keys: ['roster-local-oidc-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => API_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: cfg.clientId,
        accessTokenFormat: 'jwt',
        accessTokenTTL: cfg.ttl,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  async findAccount(ctx, sub) {
    return { accountId: sub, claims: async () => accountClaims(sub) };
  },
  async extraTokenClaims(ctx, token) {
    if (!token.accountId) return undefined;
    const { email, email_verified } = accountClaims(token.accountId);
    return { email, email_verified };
  },
  // A first-party console: every signed-in request is granted what it asks
  // for (and the API resource), so no consent screen ever shows.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims(['email', 'email_verified']);
    grant.addResourceScope(API_RESOURCE, 'api');
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});

/** Reads a small JSON body (the dev API's). */
async function jsonBody(req, limit = 16 * 1024) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > limit) throw new Error('body too large');
  }
  return text ? JSON.parse(text) : {};
}

// oidc-provider's development pages import a web font from Google: cut it, so
// the local stack never reaches beyond this machine (and a browser test sees
// no failed request).
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/dev\/users\/([^/]+)$/);
  if (!m) return next();
  let login;
  try {
    login = decodeURIComponent(m[1]);
  } catch {
    ctx.status = 400;
    ctx.body = { error: 'malformed login in the path' };
    return undefined;
  }
  if (ctx.method === 'GET') {
    ctx.body = accountClaims(login);
    return undefined;
  }
  if (ctx.method !== 'PUT') {
    ctx.status = 405;
    ctx.set('allow', 'GET, PUT');
    return undefined;
  }
  let body;
  try {
    body = await jsonBody(ctx.req);
  } catch (err) {
    ctx.status = 400;
    ctx.body = { error: `invalid JSON body: ${err.message}` };
    return undefined;
  }
  const override = {};
  if (body.email !== undefined) {
    if (typeof body.email !== 'string') return badField(ctx, 'email must be a string');
    override.email = body.email;
  }
  if (body.email_verified !== undefined) {
    if (typeof body.email_verified !== 'boolean') return badField(ctx, 'email_verified must be true or false');
    override.email_verified = body.email_verified;
  }
  users.set(login, override);
  ctx.status = 204;
  return undefined;
});

function badField(ctx, message) {
  ctx.status = 400;
  ctx.body = { error: message };
}

// /dev/users has no authentication: never listen beyond this machine.
const server = provider.listen(cfg.port, '127.0.0.1', () => {
  console.log(`oidc: issuer ${cfg.issuer} (client ${cfg.clientId}), signing key ${keys[0].kid}, `
    + `${keys.length} key(s) in ${cfg.keysFile}`);
});
server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${cfg.port}: ${err.message}`));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // idle keep-alive connections would hold close() open
  });
}
