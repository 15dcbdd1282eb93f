// What an app ships for stepup: the glue, which fetches stepup_bg.wasm (the whole library) at init().
import init, { StepUpClient, handlePopupCallback, registerPasskey, authenticatePasskey, webauthnSupport } from "stepup";
import { clientId, issuer, metadata, redirectUri } from "./_config.js";

export { StepUpClient, handlePopupCallback, registerPasskey, authenticatePasskey, webauthnSupport };

/** Cold start: load the wasm, then a client with the discovery document given. */
export async function start() {
  await init();
  return StepUpClient.create({ issuer, clientId, redirectUri, metadata });
}
