// stepup's popup step-up, as an app writes it. ?issuer=&clientId=&policy=<JSON StepUpPolicy>
import init, { StepUpClient } from "stepup";

await init();
const q = new URLSearchParams(location.search);
const client = await StepUpClient.create({
  issuer: q.get("issuer"),
  clientId: q.get("clientId"),
  redirectUri: new URL("/stepup.html", location.href).href,
  popupRedirectUri: new URL("/stepup-callback.html", location.href).href,
});
const policy = JSON.parse(q.get("policy") ?? '{"mfa":true,"maxAge":300}');

document.getElementById("go").addEventListener("click", () => {
  const t0 = performance.now();
  client.requireStepUp(policy).then(
    (s) => {
      const t1 = performance.now();
      window.result = { ok: true, ms: t1 - t0, doneEpoch: performance.timeOrigin + t1, acr: s.acr, amr: s.amr, claims: s.claims };
    },
    (e) => {
      const t1 = performance.now();
      window.result = { ok: false, ms: t1 - t0, doneEpoch: performance.timeOrigin + t1, error: `${e.code}: ${e.message}` };
    },
  );
});
window.ready = true;
