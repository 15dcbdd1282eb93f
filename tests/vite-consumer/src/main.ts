// What a Vite app does with stepup: load the wasm once, use the token helpers, and step up in a popup.
// The checks' outcomes go to window.checks for tests/e2e/vite.test.mjs; the page also shows them.
import init, {
  decodeJwt,
  evaluateStepUp,
  parseStepUpChallenge,
  StepUpClient,
  validateIdTokenClaims,
  verifyIdToken,
  webauthnSupport,
} from "stepup";
import type { Session, StepUpError } from "stepup";

declare global {
  interface Window { checks: Record<string, unknown>; ready: boolean; outcome?: unknown; wasmUrl?: string }
}

const MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const out = document.getElementById("out") as HTMLPreElement;
const checks: Record<string, unknown> = (window.checks = {});

function isStepUpError(e: unknown): e is StepUpError {
  return e instanceof Error && e.name === "StepUpError";
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (e) {
    return isStepUpError(e) ? e.code : `not a StepUpError: ${String(e)}`;
  }
}
async function codeOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "no error";
  } catch (e) {
    return isStepUpError(e) ? e.code : `not a StepUpError: ${String(e)}`;
  }
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const enc = (v: unknown) => b64url(new TextEncoder().encode(JSON.stringify(v)));

// The wasm is fetched from the URL Vite gave the asset (the glue's new URL("stepup_bg.wasm", import.meta.url)).
const wasmRequest = performance.getEntriesByType("resource").length;
await init();
window.wasmUrl = performance.getEntriesByType("resource").slice(wasmRequest)
  .map((e) => e.name).find((n) => n.includes(".wasm"));

// Token helpers on an ES256 token signed here with WebCrypto.
const now = Math.floor(Date.now() / 1000);
const claims = { iss: "https://idp.example/", sub: "alice", aud: "spa", iat: now, exp: now + 600, nonce: "n1",
  auth_time: now - 5, acr: MFA, amr: ["pwd", "otp"] };
const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
const input = `${enc({ alg: "ES256", kid: "k1", typ: "JWT" })}.${enc(claims)}`;
const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(input)));
const token = `${input}.${b64url(sig)}`;
const expect = { issuer: claims.iss, clientId: "spa", nonce: "n1", maxAge: 300, acrValues: [MFA] };

checks.decoded = decodeJwt(token).claims.sub;
checks.validated = validateIdTokenClaims(token, expect).acr;
checks.wrongNonce = codeOf(() => validateIdTokenClaims(token, { ...expect, nonce: "n2" }));
checks.malformed = codeOf(() => decodeJwt("a.b"));
checks.verified = (await verifyIdToken(token, { ...expect, jwks: { keys: [jwk] } })).sub;
const flipped = token.slice(0, -2) + (token.endsWith("AA") ? "BA" : "AA");
checks.badSignature = await codeOfAsync(() => verifyIdToken(flipped, { ...expect, jwks: { keys: [jwk] } }));
checks.policy = evaluateStepUp({ acr: "urn:pwd", amr: ["pwd"], auth_time: now }, { mfa: true }, now).reasons;
checks.challenge = parseStepUpChallenge(`Bearer error="insufficient_user_authentication", acr_values="${MFA}", max_age="300"`)?.maxAge;
checks.webauthn = typeof (await webauthnSupport()).webauthn;
checks.badConfig = await codeOfAsync(() => StepUpClient.create({ issuer: "", clientId: "spa", redirectUri: location.href }));

// A step-up against a real provider when the test passes one: ?issuer=…&clientId=…
const params = new URLSearchParams(location.search);
const issuer = params.get("issuer");
let client: StepUpClient | undefined;
if (issuer) {
  client = await StepUpClient.create({
    issuer,
    clientId: params.get("clientId") ?? "",
    redirectUri: new URL("/", location.href).href,
    popupRedirectUri: new URL("/popup-callback.html", location.href).href,
  });
}
document.getElementById("step-up")?.addEventListener("click", () => {
  if (!client) return;
  client.requireStepUp({ mfa: true }).then(
    (s: Session) => { window.outcome = { ok: true, acr: s.acr, amr: s.amr, sub: s.claims.sub }; },
    (e: unknown) => { window.outcome = { ok: false, code: isStepUpError(e) ? e.code : String(e) }; },
  );
});

out.textContent = JSON.stringify(checks, null, 2);
window.ready = true;
