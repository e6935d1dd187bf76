// A real OpenID Connect provider for Accord's tests: panva's certified oidc-provider (MIT),
// configured from one JSON file so the tests (tests/oidc_provider/fixture.py) decide the
// clients, users, audience, token lifetime and signing keys. Plain http on loopback only.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (all keys written by the fixture):
//   host, port            where to listen (port 0: any free port, written to port_file)
//   port_file             the bound port is written here once the provider answers
//   jwks_file             private JWK set; created (one new RSA key) when missing, so a
//                         restart keeps the keys
//   new_key, keep_old_keys  rotation: a new signing key (new kid), the old ones kept or not
//   modules               node_modules holding oidc-provider (tools/oidc_provider.py)
//   ui                    {client_id, client_secret|null, redirect_uris, post_logout_redirect_uris}
//   ci                    {client_id, client_secret, groups}
//   resource              the default resource indicator: Accord's API (an absolute URI,
//                         RFC 8707), whose tokens carry the audience `audience`
//   audience              aud of tokens for `resource`; any other resource is its own aud
//   api_scopes            scopes that resource server accepts
//   access_token_ttl      seconds an access token lives
//   users                 {login: {sub, name, email, groups, ...}}
//
// Logs go to stderr (the fixture keeps them in a file); nothing is interactive.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// Keys: load the JWK set, or make one RSA signing key (RS256 is every client's default
// id_token alg) with a fresh kid. Written atomically: a reader never sees half a file.
// With config.new_key a new key is made and signs from now on (the first RS256 key signs);
// config.keep_old_keys then still publishes the previous ones, as a careful rotation does.
function signingKeys() {
  const old = existsSync(config.jwks_file) ? JSON.parse(readFileSync(config.jwks_file, 'utf8')) : null;
  if (old && !config.new_key) return old;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk, ...(old && config.keep_old_keys ? old.keys : [])] };
  writeFileSync(`${config.jwks_file}.tmp`, JSON.stringify(jwks));
  renameSync(`${config.jwks_file}.tmp`, config.jwks_file);
  return jwks;
}

function clients() {
  const { ui, ci } = config;
  const uiClient = {
    client_id: ui.client_id,
    redirect_uris: ui.redirect_uris,
    post_logout_redirect_uris: ui.post_logout_redirect_uris,
    response_types: ['code'],
  };
  if (ui.client_secret) {
    Object.assign(uiClient, {
      client_secret: ui.client_secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'client_credentials'],
    });
  } else {
    // A public client: PKCE is its only proof, it may not use client_credentials.
    Object.assign(uiClient, { token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] });
  }
  const ciClient = {
    client_id: ci.client_id,
    client_secret: ci.client_secret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  };
  return [uiClient, ciClient];
}

// An account is a login of config.users (other logins are refused at the login form,
// see the middleware below).
async function findAccount(_ctx, id) {
  const user = Object.values(config.users).find((claims) => claims.sub === id)
    ?? config.users[id];
  if (!user) return undefined;
  return { accountId: user.sub, claims: async () => ({ ...user }) };
}

// Consent is granted without a page: whatever the client asked for (scopes, claims,
// resource) becomes the grant, so a browser sign-in is one form.
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const existing = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  if (existing) {
    const found = await oidc.provider.Grant.find(existing);
    if (found) return found;
  }
  if (!oidc.session.accountId) return undefined;
  const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  const requested = new Set((oidc.params.scope || '').split(' ').filter(Boolean));
  grant.addOIDCScope([...requested].join(' '));
  grant.addOIDCClaims(Object.keys(config.claims_of_scopes).flatMap((s) => config.claims_of_scopes[s]));
  const resources = oidc.params.resource ? [oidc.params.resource].flat() : [config.resource];
  const apiScopes = config.api_scopes.filter((s) => requested.has(s)).join(' ');
  for (const resource of resources) grant.addResourceScope(resource, apiScopes);
  await grant.save();
  return grant;
}

// Every resource indicator is a resource server whose tokens are JWTs. Accord's API is the
// default one (a token asked without `resource` is Accord's) and its audience is
// config.audience; any other resource (the wrong-audience case) has itself as audience.
// A test hook no real provider has: a token request may carry `ttl` (whole seconds) to
// get a shorter- or longer-lived access token (the expired-token cases).
async function getResourceServerInfo(ctx, resource) {
  const asked = Number(ctx.oidc.body?.ttl);
  return {
    scope: config.api_scopes.join(' '),
    audience: resource === config.resource ? config.audience : resource,
    accessTokenTTL: Number.isInteger(asked) && asked > 0 ? asked : config.access_token_ttl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

// `groups` in access tokens: the user's groups, or the machine client's static ones.
async function extraTokenClaims(_ctx, token) {
  if (token.accountId) {
    const user = Object.values(config.users).find((claims) => claims.sub === token.accountId);
    return user ? { groups: user.groups } : undefined;
  }
  if (token.clientId === config.ci.client_id) return { groups: config.ci.groups };
  return undefined;
}

const { default: Provider } = await import(pathToFileURL(join(config.modules, 'oidc-provider', 'lib', 'index.js')).href);

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(config.port, config.host, resolve);
});
const { port } = server.address();
const issuer = `http://${config.host}:${port}`;

const provider = new Provider(issuer, {
  clients: clients(),
  jwks: signingKeys(),
  findAccount,
  loadExistingGrant,
  extraTokenClaims,
  claims: config.claims_of_scopes,
  scopes: ['openid', 'profile', 'email', 'groups', 'offline_access', ...config.api_scopes],
  conformIdTokenClaims: false, // the scopes' claims go in the id_token, not only in userinfo
  pkce: { required: () => true },
  // Cookies ignore ports: on 127.0.0.1 Accord's UI and the provider share a cookie jar,
  // so the provider's names carry a prefix no Accord cookie uses.
  cookies: {
    keys: [randomUUID()],
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
  },
  ttl: {
    // A resource server's lifetime (getResourceServerInfo) wins over the default.
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.access_token_ttl,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.access_token_ttl,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => config.resource,
      useGrantedResource: async () => true,
      getResourceServerInfo,
    },
  },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

// The dev login form accepts any login; one that is not a user would sign in to nothing
// and end in a 500. Refuse it as a real provider would: the client gets access_denied.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const login = form.get('login');
  if (form.get('prompt') !== 'login' || login === null || Object.hasOwn(config.users, login)) {
    ctx.req.body = Object.fromEntries(form); // the provider reads an already-parsed body
    return next();
  }
  return provider.interactionFinished(ctx.req, ctx.res, {
    error: 'access_denied',
    error_description: `no such user: ${login}`,
  }, { mergeWithLastSubmission: false });
});

server.on('request', provider.callback());
writeFileSync(config.port_file, String(port));
console.error(`oidc-provider listening on ${issuer}`);

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
