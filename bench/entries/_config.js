// The provider every cold-start entry is configured for. Nothing is fetched: stepup and oidc-client-ts get
// the discovery document inline (`metadata`), auth0-spa-js's constructor fetches nothing.
export const issuer = "https://idp.example/";
export const clientId = "spa";
export const redirectUri = location.origin + "/callback.html";
export const metadata = {
  issuer,
  authorization_endpoint: issuer + "authorize",
  token_endpoint: issuer + "oauth/token",
  jwks_uri: issuer + ".well-known/jwks.json",
  end_session_endpoint: issuer + "logout",
  response_types_supported: ["code"],
  code_challenge_methods_supported: ["S256"],
  id_token_signing_alg_values_supported: ["RS256", "ES256"],
};
