// oidc-client-ts + @simplewebauthn/browser, plus jose for what neither does: ID token signature
// verification against the provider's JWKS (stepup does it built in).
export * from "./oidc-client-ts+simplewebauthn.js";
export { createRemoteJWKSet, jwtVerify } from "jose";
