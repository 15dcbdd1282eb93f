// stepup/server: the API half of step-up for Node >= 20 (ESM, WebCrypto, no DOM). Every rule runs in the Rust
// core (core::guard, in its own wasm build next to this file); this driver does the I/O: discovery and the JWKS
// over fetch (single flight, Cache-Control expiry, one rate-limited refetch for an unknown kid), signatures with
// WebCrypto as the core plans them, and the DPoP replay store.
import { readFileSync } from "node:fs";
import { Guard, initSync, jwksMaxAge, policyPreset as preset } from "./stepup_server.js";

let loaded = false;
function load() {
  if (!loaded) {
    initSync({ module: readFileSync(new URL("./stepup_server_bg.wasm", import.meta.url)) });
    loaded = true;
  }
}

/** The package's error: `name` "StepUpError" and a stable `code` (and `claim` when a member is named). */
export class StepUpError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = "StepUpError";
    this.code = code;
    Object.assign(this, extra);
  }
}

/** A wasm call whose failure arrives as `{ code, message, claim? }` JSON text, rethrown as a StepUpError. */
function call(f) {
  try {
    return f();
  } catch (e) {
    if (typeof e !== "string") throw e;
    const { code, message, claim } = JSON.parse(e);
    throw new StepUpError(code, message, claim === undefined ? {} : { claim });
  }
}

/**
 * A compliance preset as a StepUpPolicy: "nist-aal2" | "nist-aal3" | "pci-dss" (docs/COMPLIANCE.md). Any other
 * name throws `invalid_config`.
 */
export function policyPreset(name) {
  load();
  return JSON.parse(call(() => preset(String(name))));
}

/** The in-memory replay store: each key once until it expires; at most `max` live entries, and past that it
 * refuses to answer (the guard then fails closed with 503) rather than forget a proof early. One process only:
 * an API on several instances needs a shared store (`redisReplayStore`). */
export function memoryReplayStore({ max = 100_000 } = {}) {
  const seen = new Map();
  return {
    async claim(key, expiresAt) {
      const now = Date.now() / 1000;
      // Entries arrive in about the order they expire: sweep from the oldest.
      for (const [k, exp] of seen) {
        if (exp > now) break;
        seen.delete(k);
      }
      if (seen.has(key) && seen.get(key) > now) return false;
      if (seen.size >= max) throw new Error("the in-memory DPoP replay store is full");
      seen.set(key, expiresAt);
      return true;
    },
  };
}

/**
 * A replay store shared by every instance of an API, in Redis: `SET <prefix><key> 1 NX EXAT <expiresAt>`, one
 * atomic command. `client` is a connected node-redis client (npm `redis`). A client that is not ready, or a
 * command that fails, makes `claim` throw, and the guard answers 503 `replay_store_unavailable`: nothing passes
 * that the store could not vouch for. Create the client with `disableOfflineQueue: true` so that commands fail at
 * once while Redis is away instead of waiting for it.
 */
export function redisReplayStore(client, { prefix = "stepup:dpop:" } = {}) {
  if (!client || typeof client.set !== "function") throw new StepUpError("invalid_config", "redisReplayStore needs a node-redis client", { claim: "client" });
  return {
    async claim(key, expiresAt) {
      if (client.isReady === false) throw new Error("the Redis client is not ready");
      const reply = await client.set(`${prefix}${key}`, "1", { NX: true, EXAT: Math.ceil(expiresAt) });
      return reply === "OK";
    },
  };
}

const DRIVER_OPTIONS = ["jwks", "jwksUri", "replayStore", "fetch", "jwksCooldown"];

/** `url` may be fetched: https, or http on a loopback host (development). */
function fetchable(url, member) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new StepUpError("invalid_config", `${member} must be an absolute URL`, { claim: member });
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) {
    throw new StepUpError("invalid_config", `${member} must be an https URL (http only on localhost)`, { claim: member });
  }
  return u.href;
}

/**
 * The issuer's keys: fetched from the JWKS URI (found by discovery unless given) and kept until the response's
 * Cache-Control says (core's rule: 5 min to 24 h, 10 min by default). One request at a time (single flight); a
 * token whose kid is not in the set refetches, at most once per `cooldown` seconds, so forged kids cannot make
 * the guard hammer the provider. A failed refresh keeps the keys it had.
 */
class RemoteKeys {
  constructor(guard, { issuer, jwksUri, fetchImpl, cooldown }) {
    this.guard = guard;
    this.issuer = issuer;
    this.jwksUri = jwksUri;
    this.fetch = fetchImpl;
    this.cooldown = cooldown * 1000;
    this.loaded = false;
    this.expiresAt = 0;
    this.lastAttempt = -Infinity;
    this.lastKidRefetch = -Infinity;
    this.inflight = null;
  }

  async #fetchJson(url) {
    // Never follow a redirect: the keys come from the URL the issuer names, or not at all.
    const res = await this.fetch(url, { redirect: "error", headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return { body: await res.text(), cacheControl: res.headers.get("cache-control") };
  }

  async #load() {
    this.lastAttempt = Date.now();
    if (!this.jwksUri) {
      const base = this.issuer.endsWith("/") ? this.issuer : `${this.issuer}/`;
      const { body } = await this.#fetchJson(new URL(".well-known/openid-configuration", base).href);
      const meta = JSON.parse(body);
      if (meta?.issuer !== this.issuer) throw new StepUpError("issuer_mismatch", "the discovery document names another issuer");
      this.jwksUri = fetchable(meta.jwks_uri, "jwks_uri");
    }
    const { body, cacheControl } = await this.#fetchJson(this.jwksUri);
    call(() => this.guard.setJwks(body));
    this.loaded = true;
    this.expiresAt = Date.now() + jwksMaxAge(cacheControl ?? undefined) * 1000;
  }

  /** Fetch now (or join the fetch in flight); `true` when keys were loaded. */
  refresh() {
    this.inflight ??= this.#load().then(() => true, (e) => {
      this.error = e;
      return false;
    }).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Keys to check with: fetched when there are none or they expired. `false` when there are none at all. */
  async ready() {
    if (this.loaded && Date.now() < this.expiresAt) return true;
    if (this.inflight) return (await this.inflight) || this.loaded;
    // Without keys, at most one attempt a second: a provider that is down is not asked on every request.
    if (!this.loaded && Date.now() - this.lastAttempt < 1000) return false;
    return (await this.refresh()) || this.loaded;
  }

  /** An unknown kid: refetch unless another unknown kid did within the cooldown (a rotation right after a load
   * is still followed). `true` when new keys arrived. */
  async unknownKid() {
    if (this.inflight) return this.inflight;
    if (Date.now() - this.lastKidRefetch < this.cooldown) return false;
    this.lastKidRefetch = Date.now();
    return this.refresh();
  }
}

/** Keys given inline (`jwks`): never fetched. */
class InlineKeys {
  async ready() {
    return true;
  }
  async unknownKid() {
    return false;
  }
}

/** A header of a Headers object or of a plain object (any case; repeated fields joined as HTTP stacks do). */
function header(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === "function") return headers.get(name) ?? undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    const v = headers[key];
    return Array.isArray(v) ? v.join(", ") : v == null ? undefined : String(v);
  }
  return undefined;
}

const subtle = globalThis.crypto.subtle;

/** Imported keys by their material and import parameters (a token's issuer key is imported once). */
class KeyCache {
  constructor(max = 256) {
    this.max = max;
    this.keys = new Map();
  }
  get(plan) {
    const { jwk, importParams: p } = plan;
    const id = `${p.name}|${p.hash ?? p.namedCurve ?? ""}|${jwk.kty}|${jwk.crv ?? ""}|${jwk.n ?? jwk.x}|${jwk.e ?? jwk.y ?? ""}`;
    let key = this.keys.get(id);
    if (!key) {
      key = subtle.importKey("jwk", jwk, p, false, ["verify"]);
      key.catch(() => this.keys.delete(id));
      if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value);
      this.keys.set(id, key);
    }
    return key;
  }
}

/** WebCrypto verification of one plan `{ importParams, jwk, verifyParams, signingInput, signature }`. */
async function verify(cache, plan) {
  try {
    const key = await cache.get(plan);
    return await subtle.verify(plan.verifyParams, key, Buffer.from(plan.signature, "base64url"), Buffer.from(plan.signingInput));
  } catch {
    return false;
  }
}

/** A failure as the contract writes it: `{ ok: false, status, code, wwwAuthenticate, headers, description }`. */
function failure(r) {
  const headers = r.wwwAuthenticate === undefined ? {} : { "WWW-Authenticate": r.wwwAuthenticate };
  const out = { ok: false, status: r.status, code: r.code, wwwAuthenticate: r.wwwAuthenticate, headers, description: r.description };
  if (r.claim !== undefined) out.claim = r.claim;
  return out;
}

/** The JSON text of a policy, checked once per policy object. */
const policies = new WeakMap();
function policyText(policy) {
  if (policy === undefined || policy === null) return "null";
  if (typeof policy !== "object") throw new StepUpError("invalid_config", "policy must be an object", { claim: "policy" });
  let text = policies.get(policy);
  if (text === undefined) {
    text = JSON.stringify(policy);
    call(() => Guard.checkPolicy(text));
    policies.set(policy, text);
  }
  return text;
}

/**
 * An API guard (DESIGN.md "API guard"). `options`: issuer, audience, and optionally jwksUri or jwks, algorithms,
 * leeway, acrLevels, amrAliases, stepUpAcr, claimNames, dpop ("allowed" | "required" | "off"), dpopAlgorithms,
 * dpopIatWindow, plainJwt, replayStore, jwksCooldown (seconds between refetches for an unknown kid, default 60),
 * fetch (the fetch to use, default globalThis.fetch). Throws `invalid_config` for bad options.
 */
export async function createApiGuard(options) {
  load();
  if (options === null || typeof options !== "object") throw new StepUpError("invalid_config", "createApiGuard needs an options object", { claim: "options" });
  const core = {};
  for (const [k, v] of Object.entries(options)) if (!DRIVER_OPTIONS.includes(k) && v !== undefined) core[k] = v;
  const guard = call(() => new Guard(JSON.stringify(core)));
  const { jwks, replayStore = memoryReplayStore(), jwksCooldown = 60 } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof replayStore?.claim !== "function") throw new StepUpError("invalid_config", "replayStore must have a claim(key, expiresAt) method", { claim: "replayStore" });
  if (!Number.isFinite(jwksCooldown) || jwksCooldown < 0) throw new StepUpError("invalid_config", "jwksCooldown must be a number of seconds", { claim: "jwksCooldown" });
  let keys;
  if (jwks !== undefined) {
    call(() => guard.setJwks(JSON.stringify(jwks)));
    keys = new InlineKeys();
  } else {
    fetchable(options.issuer, "issuer");
    const jwksUri = options.jwksUri === undefined ? undefined : fetchable(options.jwksUri, "jwksUri");
    keys = new RemoteKeys(guard, { issuer: options.issuer, jwksUri, fetchImpl, cooldown: jwksCooldown });
    // Fetched now, so the first request does not wait for it; a provider that is down is retried by check().
    keys.refresh();
  }
  const cache = new KeyCache();

  async function check(request, policy, { now } = {}) {
    const policyJson = policyText(policy);
    const req = JSON.stringify({
      method: request?.method ?? "GET",
      url: String(request?.url ?? ""),
      authorization: header(request?.headers, "authorization"),
      dpop: header(request?.headers, "dpop"),
    });
    if (!(await keys.ready())) {
      return { ok: false, status: 503, code: "discovery_failed", wwwAuthenticate: undefined, headers: {}, description: "the provider's keys could not be fetched" };
    }
    let begun = JSON.parse(call(() => guard.begin(req)));
    if (!begun.ok && begun.code === "key_not_found" && (await keys.unknownKid())) begun = JSON.parse(call(() => guard.begin(req)));
    if (!begun.ok) return failure(begun);
    let result;
    const clock = Date.now() / 1000;
    const seconds = Math.floor(now ?? clock);
    try {
      const [tokenOk, proofOk] = await Promise.all([verify(cache, begun.token), begun.proof ? verify(cache, begun.proof) : true]);
      result = JSON.parse(call(() => guard.finish(begun.id, tokenOk, proofOk, policyJson, seconds)));
    } catch (e) {
      guard.abandon(begun.id);
      throw e;
    }
    if (!result.ok) return failure(result);
    const { replay, ...auth } = result;
    if (replay) {
      let fresh;
      try {
        // Stores count time by the real clock: the proof's remaining window is carried over to it (the same
        // instant unless a testing `now` was given).
        fresh = await replayStore.claim(replay.key, Math.ceil(clock + replay.expiresAt - seconds));
      } catch {
        return failure(JSON.parse(Guard.storeUnavailable()));
      }
      if (fresh !== true) return failure(JSON.parse(guard.replayed()));
    }
    return auth;
  }

  /** The URL the client requested, for DPoP's htu: `options.url(req)`, else `req.protocol`/`Host` (Express sets
   * `protocol` from its trust-proxy rules; plain Node http has neither, and a TLS socket means https). */
  function requestUrl(req, urlOf) {
    if (urlOf) return urlOf(req);
    const proto = req.protocol ?? (req.socket?.encrypted ? "https" : "http");
    return new URL(req.originalUrl ?? req.url ?? "/", `${proto}://${req.headers.host ?? "localhost"}`).href;
  }

  function middleware(policy, { url } = {}) {
    policyText(policy);
    return (req, res, next) => {
      check({ method: req.method, url: requestUrl(req, url), headers: req.headers }, policy).then((result) => {
        if (result.ok) {
          req.auth = result;
          if (next) next();
          return;
        }
        res.writeHead(result.status, { "content-type": "application/json", "cache-control": "no-store", ...result.headers });
        res.end(JSON.stringify({ error: result.code, message: result.description }));
      }, (err) => {
        if (next) next(err);
        else {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "server_error" }));
        }
      });
    };
  }

  return { check, middleware };
}
