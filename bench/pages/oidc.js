// oidc-client-ts's popup login with the same step-up request (acr_values + max_age), as an app writes it.
// ?issuer=&clientId=&acr=&maxAge=
import { InMemoryWebStorage, UserManager, WebStorageStateStore } from "oidc-client-ts";

const q = new URLSearchParams(location.search);
const settings = {
  authority: q.get("issuer"),
  client_id: q.get("clientId"),
  redirect_uri: new URL("/oidc.html", location.href).href,
  popup_redirect_uri: new URL("/oidc-callback.html", location.href).href,
  scope: "openid profile",
  loadUserInfo: false,
  // Tokens in memory, like stepup.
  userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
};
localStorage.setItem("bench.oidc.settings", JSON.stringify(settings));
const manager = new UserManager(settings);
await manager.metadataService.getMetadata(); // discovery before the click, as stepup's create() does

document.getElementById("go").addEventListener("click", () => {
  const t0 = performance.now();
  const args = {};
  if (q.get("acr")) args.acr_values = q.get("acr");
  if (q.get("maxAge")) args.max_age = Number(q.get("maxAge"));
  manager.signinPopup(args).then(
    (user) => {
      const t1 = performance.now();
      // user.profile has acr/amr/auth_time removed (filterProtocolClaims, default on): read the ID token.
      const claims = JSON.parse(atob(user.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      window.result = { ok: true, ms: t1 - t0, doneEpoch: performance.timeOrigin + t1, acr: claims.acr, amr: claims.amr, claims,
        profileHasAcr: "acr" in user.profile, profileHasAmr: "amr" in user.profile, profileHasAuthTime: "auth_time" in user.profile };
    },
    (e) => {
      const t1 = performance.now();
      window.result = { ok: false, ms: t1 - t0, doneEpoch: performance.timeOrigin + t1, error: String(e?.message ?? e) };
    },
  );
});
window.ready = true;
