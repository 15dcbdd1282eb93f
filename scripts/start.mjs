// `npm start`: install what is missing, build the stepup package, then run the demo (the SPA, the
// dev identity provider, the demo API) until Ctrl-C. Prints the URL and the demo credentials.
//
//   npm start                       everything local: http://localhost:5173/
//   npm start -- --no-build         use pkg/ as it is (without --no-build an unchanged pkg/ is kept too:
//                                   scripts/build-stamp.mjs; this skips even cargo's check)
//   PORT=8080 IDP_PORT=… API_PORT=… other ports (a busy local port falls back to a free one)
//   STEPUP_ISSUER=https://YOUR_TENANT.auth0.com/ STEPUP_CLIENT_ID=… STEPUP_AUDIENCE=… npm start
//                                   against a real provider; no local identity provider then
//                                   (docs/DEMO.md shows the Auth0 set-up)
import { bootstrap } from "./bootstrap.mjs";
import { build } from "./build.mjs";

const env = process.env;
const skipBuild = process.argv.includes("--no-build");

// The demo needs Node packages, the wasm toolchain and a fresh pkg/; not a browser.
const tools = bootstrap({ browser: false });
if (!skipBuild) build({ tools });

// Imported after bootstrap: on a fresh clone the npm packages it loads were just installed.
const { startDemo } = await import("../www/demo.mjs");

const port = (name, fallback) => {
  const value = env[name] === undefined ? fallback : Number(env[name]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name}=${env[name]} is not a port number`);
  return value;
};

let demo;
try {
  demo = await startDemo({
    appPort: port("PORT", 5173),
    idpPort: port("IDP_PORT", 4010),
    apiPort: port("API_PORT", 4020),
    portFallback: true,
    env,
  });
} catch (err) {
  console.error(`\nThe demo could not start: ${err.message}`);
  if (err.code === "EADDRINUSE") console.error("Another program uses that port. Stop it, or choose another with PORT=…");
  process.exit(1);
}

const { config } = demo;
const line = (label, value) => `  ${label.padEnd(18)}${value}`;
const out = ["", `  Stepup Bank, the stepup demo, is running:  ${demo.url}`, ""];
if (demo.external) {
  out.push(line("identity provider", `${config.issuer} (from STEPUP_ISSUER)`));
  out.push(line("client id", config.clientId));
  out.push(line("audience", config.audience ?? "(none: set STEPUP_AUDIENCE for API calls)"));
  out.push(line("callback URLs", `${demo.app.url}/callback.html, ${demo.app.url}/popup-callback.html`));
} else {
  for (const u of config.localIdp.users) out.push(line(u.username === config.localIdp.users[0].username ? "sign in as" : "or", `${u.username} / ${u.password}   ${u.note}`));
  out.push(line("TOTP secret", `${config.localIdp.totpSecret}   (alice's authenticator app)`));
  out.push(line("dev outbox", `${config.localIdp.outboxUrl}   (codes by text, call and email; push approvals)`));
  out.push(line("account", `${config.localIdp.accountUrl}   (add a passkey, recovery codes)`));
  out.push(line("identity provider", `${config.issuer}   (MFA settings: www/idp/guardian.json)`));
}
out.push(line("demo API", `${config.apiUrl}`), "", "  Ctrl-C to stop.", "");
console.log(out.join("\n"));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await demo.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
