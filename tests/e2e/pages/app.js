// The SPA under test: loads pkg/ like an app would and exposes a tiny driver for flows.test.mjs.
import init, * as stepup from "/pkg/stepup.js";

const { StepUpClient } = stepup;

await init();

/** Outcomes of the actions started by clicks, in order: {ok, value} or {ok:false, code, ...}, with a page-clock time. */
window.outcomes = [];

function record(promise) {
  const i = window.outcomes.length;
  window.outcomes.push({ pending: true });
  promise.then(
    (value) => { window.outcomes[i] = { ok: true, value, at: performance.now() }; },
    (e) => {
      window.outcomes[i] = {
        ok: false, name: e?.name, code: e?.code, message: String(e?.message ?? e),
        acrValues: e?.acrValues, maxAge: e?.maxAge, at: performance.now(),
      };
    },
  );
  return i;
}

document.getElementById("go").addEventListener("click", () => {
  const action = window.nextAction;
  window.nextAction = null;
  let p;
  try {
    p = Promise.resolve(action());
  } catch (e) {
    p = Promise.reject(e);
  }
  window.lastIndex = record(p);
});

/** Run `action` once this page no longer has a user activation (it lasts ~5 s in Chromium). */
window.whenInactive = (action) => {
  const i = window.outcomes.length;
  window.outcomes.push({ pending: true });
  const timer = setInterval(() => {
    if (navigator.userActivation.isActive) return;
    clearInterval(timer);
    window.outcomes.pop();
    record(Promise.resolve().then(action));
  }, 50);
  return i;
};

/** Create the client; the config is kept in sessionStorage for the redirect callback page. */
window.createClient = async (config) => {
  sessionStorage.setItem("e2e.config", JSON.stringify(config));
  window.client = await StepUpClient.create(config);
  return true;
};

window.StepUpClient = StepUpClient;
window.stepup = stepup;
window.ready = true;
