#!/usr/bin/env node
// Start the dev identity provider and the demo API together, for `npm start` and by hand:
//   node www/idp/main.mjs [--idp-port 4010] [--api-port 4020] [--app-origin http://localhost:5173]...
//                         [--data-dir DIR] [--test-mode] [--profile standard|no-acr|custom-amr|scope-step-up|levels]
// Environment works too: IDP_PORT, API_PORT, APP_ORIGINS (comma-separated), IDP_DATA_DIR, IDP_TEST_MODE=1,
// IDP_PROFILE (profiles.mjs: how the provider reports strength, emulating other providers).
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { startApi } from "../api/server.mjs";
import { DEMO_CLIENT_ID, DEMO_TOTP_SECRET, startIdp, USERS } from "./provider.mjs";

/** Start both servers; `close()` stops both. Ports default to 0 (random). */
export async function startDevStack({ idpPort = 0, apiPort = 0, appOrigins = [], dataDir, testMode = false, profile } = {}) {
  const idp = await startIdp({ port: idpPort, appOrigins, dataDir, testMode, profile });
  let api;
  try {
    api = await startApi({ port: apiPort, issuer: idp.issuer, audience: idp.audience });
  } catch (err) {
    await idp.close();
    throw err;
  }
  return {
    idp,
    api,
    /** What a SPA needs to know (ClientConfig of the stepup package). */
    config: { issuer: idp.issuer, clientId: DEMO_CLIENT_ID, audience: idp.audience, apiUrl: api.url },
    close: () => Promise.all([api.close(), idp.close()]),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      "idp-port": { type: "string", default: process.env.IDP_PORT ?? "0" },
      "api-port": { type: "string", default: process.env.API_PORT ?? "0" },
      "app-origin": { type: "string", multiple: true, default: (process.env.APP_ORIGINS ?? "").split(",").filter(Boolean) },
      "data-dir": { type: "string", default: process.env.IDP_DATA_DIR },
      "test-mode": { type: "boolean", default: process.env.IDP_TEST_MODE === "1" },
      profile: { type: "string", default: process.env.IDP_PROFILE ?? "standard" },
    },
  });
  const stack = await startDevStack({
    idpPort: Number(values["idp-port"]),
    apiPort: Number(values["api-port"]),
    appOrigins: values["app-origin"],
    dataDir: values["data-dir"],
    testMode: values["test-mode"],
    profile: values.profile,
  });
  const users = Object.entries(USERS).map(([name, u]) => `${name} / ${u.password}`).join(", ");
  const { policies, factors } = stack.idp.guardian;
  console.log(`stepup dev identity provider  ${stack.idp.issuer}
  discovery   ${stack.idp.issuer}/.well-known/openid-configuration
  account     ${stack.idp.issuer}/account   (passkeys, authenticator app, phone, recovery codes)
  dev outbox  ${stack.idp.issuer}/outbox    (codes by email, text, call; push approvals)
  client_id   ${DEMO_CLIENT_ID}   audience ${stack.idp.audience}
  users       ${users}   alice's TOTP secret ${DEMO_TOTP_SECRET}
  profile     ${stack.idp.profile}
  MFA         policy ${policies[0] ?? "none (step-up only)"}; factors on: ${Object.keys(factors).filter((f) => factors[f]).join(", ")}
  factor data ${stack.idp.store.file}${values["test-mode"] ? "\n  TEST MODE: /__test/* and /passkey/* are open" : ""}
demo API  ${stack.api.url}   GET /api/balance, POST /api/transfer (needs MFA in the last 300 s)`);
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
