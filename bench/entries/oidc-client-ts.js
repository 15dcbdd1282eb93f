import { UserManager } from "oidc-client-ts";
import { clientId, issuer, metadata, redirectUri } from "./_config.js";

export { UserManager };

/** Cold start: a UserManager with the discovery document given. */
export async function start() {
  return new UserManager({ authority: issuer, client_id: clientId, redirect_uri: redirectUri, metadata });
}
