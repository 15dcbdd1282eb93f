// The oidc-provider configuration: what makes this a step-up capable OpenID provider.
import { randomBytes } from "node:crypto";
import Provider, { errors, interactionPolicy } from "oidc-provider";
import { ACR_MFA, API_SCOPES, USERS } from "./config.mjs";
import { esc, layout, logoutPage, messagePage } from "./pages.mjs";

function buildPolicy(switches, profile) {
  const policy = interactionPolicy.base();
  const login = policy.get("login");

  // `acr_values` are voluntary (OIDC Core 5.5.1.1), so oidc-provider never prompts for them.
  // Our provider honours them (or, by profile, the scope): a session weaker than the request wants
  // must log in again (the interaction then asks only for the missing second factor).
  login.checks.add(
    new interactionPolicy.Check("acr_step_up", "the requested authentication level is stronger than the session's", "login_required", (ctx) => {
      const { oidc } = ctx;
      if (switches.ignoreAcrValues || !oidc.session.accountId || oidc.result?.login) return false;
      const target = profile.target(oidc.params, switches);
      return target !== null && profile.level({ acr: oidc.acr, amr: oidc.amr }) < target;
    }),
  );

  // The ignoreAcrValues test switch makes the provider misbehave on purpose: it must not honour
  // essential acr claims either, or oidc-provider's own checks would ask for a login again. Profiles
  // other than standard judge an essential acr by their own levels (the check above), or ignore it.
  for (const reason of ["essential_acr", "essential_acrs"]) {
    const check = login.checks.get(reason);
    const original = check.check;
    check.check = (ctx) => (switches.ignoreAcrValues || !profile.honoursAcr ? false : original(ctx));
  }
  return policy;
}

/**
 * @param {object} o
 * @param {string} o.issuer
 * @param {{keys: object[]}} o.jwks
 * @param {string[]} o.cookieKeys
 * @param {object[]} o.clients oidc-provider client metadata
 * @param {(origin: string) => boolean} o.corsAllowed origins that may call the provider from a browser (the apps')
 * @param {string[]} o.audiences resource indicators of APIs that get JWT access tokens
 * @param {string[]} [o.mfaAudiences] of those, the APIs whose refresh grants need MFA (mfa_required)
 * @param {object} o.switches the live test switches
 * @param {Function} o.Adapter
 * @param {object} o.profile the provider profile (profiles.mjs): levels, what a login reports
 * @param {Buffer} o.dpopNonceSecret 32 bytes: the key of the DPoP-Nonce values this provider hands out
 * @param {Set<string>} [o.offline] nonces of authorization requests that asked for offline_access
 */
export function createOidcProvider({ issuer, jwks, cookieKeys, clients, corsAllowed, audiences, mfaAudiences = [], switches, Adapter, profile, dpopNonceSecret, offline = new Set() }) {
  // offline_access: oidc-provider keeps it only with prompt=consent (OIDC Core 11). Auth0 honours it for
  // first-party clients without a consent prompt, and so does this provider: a request that asked for it is
  // remembered by its nonce, and its code is redeemed with a refresh token (issueRefreshToken below).
  const askedOffline = (nonce) => typeof nonce === "string" && offline.has(nonce);
  // The API a token request is for: RFC 8707 `resource`, else Auth0's `audience` (body or authorization query).
  const askedAudience = (ctx) => {
    const asked = ctx.oidc?.params?.resource ?? ctx.oidc?.params?.audience ?? ctx.oidc?.body?.audience;
    return typeof asked === "string" && asked ? asked : undefined;
  };
  const provider = new Provider(issuer, {
    adapter: Adapter,
    clients,
    jwks,
    cookies: { keys: cookieKeys },
    acrValues: profile.acrValues,
    // acr, amr and auth_time must be listed or oidc-provider leaves them out of ID tokens.
    claims: {
      openid: ["sub", "acr", "amr", "auth_time"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
    },
    scopes: ["openid", "offline_access", "profile", "email", ...profile.scopes],
    responseTypes: ["code", "none"],
    // Auth0-style `audience` is accepted as a synonym of RFC 8707 `resource`.
    extraParams: ["audience"],
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed("refresh_token") && (code.scopes.has("offline_access") || askedOffline(code.nonce)),
    // Refresh tokens of public clients rotate on every use; a rotated one used again revokes the whole grant
    // (oidc-provider's reuse detection). An API in mfaAudiences is refused with Auth0's mfa_required when the
    // grant was not multi-factor: checked here, before the refresh token is rotated, so it stays usable.
    rotateRefreshToken: (ctx) => {
      const { RefreshToken: refreshToken, Client: client } = ctx.oidc.entities;
      const resource = askedAudience(ctx) ?? [refreshToken.resource].flat()[0];
      if (mfaAudiences.includes(resource) && refreshToken.acr !== ACR_MFA) {
        const err = new errors.CustomOIDCProviderError("mfa_required", "Multifactor authentication required");
        err.status = err.statusCode = 403;
        throw err;
      }
      if (client.clientAuthMethod === "none" && !refreshToken.isSenderConstrained()) return true;
      return refreshToken.ttlPercentagePassed() >= 70;
    },
    ttl: {
      AccessToken: () => switches.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
    // Token, userinfo, revocation from a browser: only from the origin of one of the client's
    // own redirect URIs (an app origin); any other origin is refused. Discovery and JWKS: below.
    clientBasedCORS: (_ctx, origin, client) => corsAllowed(origin) && client.redirectUris.some((uri) => new URL(uri).origin === origin),
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      // RFC 9449: a token request with a DPoP proof gets DPoP-bound access and refresh tokens (cnf.jkt), a
      // code requested with dpop_jkt is redeemed only with that key, and DPoP-Nonce values are handed out
      // (and exposed to browsers). With the requireDpopNonce switch every proof must carry one, so clients
      // meet `400 use_dpop_nonce` first.
      dPoP: { enabled: true, nonceSecret: dpopNonceSecret, requireNonce: () => switches.requireDpopNonce === true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = "html";
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = "html";
          ctx.body = messagePage("Signed out", "You are signed out of the stepup dev identity provider.", { id: "signed-out" });
        },
      },
      resourceIndicators: {
        enabled: true,
        // No `resource`? Use `audience` if sent, else the demo API, so access tokens are always JWTs.
        // A login that asks for offline_access is granted every API, the asked one first: its refresh token
        // then gets tokens for any of them (as Auth0's multi-resource refresh tokens), by `audience`.
        defaultResource: async (ctx, _client, oneOf) => {
          const asked = askedAudience(ctx);
          if (oneOf) return oneOf.includes(asked) ? asked : oneOf[0];
          const first = asked ?? audiences[0];
          return askedOffline(ctx.oidc.params?.nonce) ? [first, ...audiences.filter((a) => a !== first)] : first;
        },
        // The token request needs not repeat `resource`: the one granted at authorization is used.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!audiences.includes(resource)) throw new errors.InvalidTarget(`unknown resource (audience) ${resource}`);
          return { scope: API_SCOPES, audience: resource, accessTokenFormat: "jwt", accessTokenTTL: switches.accessTokenTtl, jwt: { sign: { alg: "RS256" } } };
        },
      },
    },
    // The demo API decides on acr/amr/auth_time, so the JWT access tokens carry them too.
    extraTokenClaims: async (ctx, token) => {
      if (token.kind !== "AccessToken") return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      if (!source) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    // Our clients are first-party: consent is granted without a page, for whatever they ask.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== oidc.session.accountId) {
        grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      }
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(" "));
      if (oidc.requestParamClaims?.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
      for (const indicator of Object.keys(oidc.resourceServers ?? {})) grant.addResourceScope(indicator, API_SCOPES);
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const user = USERS[sub];
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, name: user.name, preferred_username: sub, email: user.email, email_verified: true }),
      };
    },
    interactions: {
      policy: buildPolicy(switches, profile),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = layout("Sign-in error", `<h1>Something went wrong</h1>
        <p class="error" id="error" role="alert"><strong>${esc(out.error)}</strong>${out.error_description ? `: ${esc(out.error_description)}` : ""}</p>
        <p class="hint">Go back to the app and try again.</p>`);
    },
  });

  // Redirect URIs: oidc-provider's own rule, an exact match with one the client registered.

  // ID tokens issued by a refresh: without `amr`, as Auth0 issues them; with the refreshSub test switch, for
  // another `sub` (a provider answering for another user).
  const { IdToken } = provider;
  const payload = IdToken.prototype.payload;
  IdToken.prototype.payload = async function refreshedPayload() {
    const out = await payload.call(this);
    if (this.ctx?.oidc?.params?.grant_type === "refresh_token") {
      delete out.amr;
      if (switches.refreshSub) out.sub = switches.refreshSub;
    }
    return out;
  };

  provider.use(async (ctx, next) => {
    if (ctx.path === "/auth" && ctx.method === "GET" && String(ctx.query.scope ?? "").split(" ").includes("offline_access")) {
      if (typeof ctx.query.nonce === "string" && ctx.query.nonce) offline.add(ctx.query.nonce);
      if (offline.size > 10000) offline.delete(offline.values().next().value);
    }
    await next();
    // Auth0's mfa_required answer carries an mfa_token (for its MFA API, which this provider does not have).
    if (ctx.body?.error === "mfa_required") ctx.body = { ...ctx.body, mfa_token: randomBytes(16).toString("base64url") };
  });

  // CORS: oidc-provider answers discovery and JWKS to any Origin (Access-Control-Allow-Origin
  // reflects it). Ours only to the app origins: for another Origin every Access-Control-* header
  // goes, so a browser gives that page nothing (preflights fail too).
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      const origin = ctx.get("origin");
      if (origin && !corsAllowed(origin)) {
        for (const name of Object.keys(ctx.response.headers)) if (name.toLowerCase().startsWith("access-control-")) ctx.remove(name);
      }
    }
  });

  // Test switches that tamper with the authorization response. They rewrite the redirect back to
  // the client (query response mode), which is where a real attacker or a broken proxy would act.
  provider.use(async (ctx, next) => {
    await next();
    const location = ctx.response.get("location");
    if (!location || !(switches.wrongIss || switches.tamperState)) return;
    let url;
    try {
      url = new URL(location, issuer);
    } catch {
      return;
    }
    if (url.origin === new URL(issuer).origin || !url.searchParams.has("state")) return;
    if (switches.wrongIss) url.searchParams.set("iss", typeof switches.wrongIss === "string" ? switches.wrongIss : "https://attacker.example");
    if (switches.tamperState) url.searchParams.set("state", `tampered-${url.searchParams.get("state")}`);
    ctx.set("location", url.href);
  });

  return provider;
}
