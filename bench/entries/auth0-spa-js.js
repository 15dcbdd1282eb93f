import { Auth0Client } from "@auth0/auth0-spa-js";
import { clientId, redirectUri } from "./_config.js";

export { Auth0Client };

/** Cold start: the client (createAuth0Client would also call checkSession, a network round trip). */
export async function start() {
  return new Auth0Client({ domain: "idp.example", clientId, authorizationParams: { redirect_uri: redirectUri } });
}
