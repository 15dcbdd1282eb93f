// Guardian settings: which second factors are on and when MFA is asked, in Auth0's vocabulary
// (factor names of /api/v2/guardian/factors, policy names of /api/v2/guardian/policies), read from
// guardian.json. Step-up through acr_values (or an essential acr) is honoured whatever the policy.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const GUARDIAN_FILE = join(dirname(fileURLToPath(import.meta.url)), "guardian.json");

/** Auth0's factor names, in the order the sign-in page offers them. */
export const FACTOR_NAMES = ["otp", "webauthn-platform", "webauthn-roaming", "push-notification", "sms", "voice", "email", "recovery-code"];

/** Auth0's MFA policies. None (`[]`) means: only when the application asks. */
export const POLICY_NAMES = ["all-applications", "confidence-score"];

/** Human names of the factors, for pages. */
export const FACTOR_LABELS = {
  otp: "Authenticator app",
  "webauthn-platform": "Passkey on this device",
  "webauthn-roaming": "Security key",
  "push-notification": "Push notification",
  sms: "Text message (SMS)",
  voice: "Phone call",
  email: "Email",
  "recovery-code": "Recovery code",
};

export class GuardianError extends Error {}

/**
 * Check a settings object; returns a clean copy `{ policies, factors }` or throws GuardianError
 * naming the bad member. Factors missing from `factors` are off.
 */
export function validateGuardian(value, source = "guardian settings") {
  const fail = (msg) => {
    throw new GuardianError(`${source}: ${msg}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("expected a JSON object with \"policies\" and \"factors\"");
  const policies = value.policies ?? [];
  if (!Array.isArray(policies)) fail(`"policies" must be an array: [], ["all-applications"] or ["confidence-score"]`);
  for (const p of policies) {
    if (!POLICY_NAMES.includes(p)) fail(`unknown policy ${JSON.stringify(p)}; known: ${POLICY_NAMES.join(", ")} (or [] for none)`);
  }
  if (policies.length > 1) fail(`"policies" takes at most one policy, as Auth0's does`);
  const factors = value.factors ?? {};
  if (typeof factors !== "object" || factors === null || Array.isArray(factors)) fail(`"factors" must be an object like {"otp": true}`);
  const clean = {};
  for (const name of FACTOR_NAMES) clean[name] = false;
  for (const [name, on] of Object.entries(factors)) {
    if (!FACTOR_NAMES.includes(name)) fail(`unknown factor ${JSON.stringify(name)}; known: ${FACTOR_NAMES.join(", ")}`);
    if (typeof on !== "boolean") fail(`factor ${name} must be true or false, not ${JSON.stringify(on)}`);
    clean[name] = on;
  }
  for (const key of Object.keys(value)) {
    if (!["policies", "factors", "$comment"].includes(key)) fail(`unknown setting ${JSON.stringify(key)}; known: policies, factors`);
  }
  return { policies: [...policies], factors: clean };
}

/** Read and check a guardian.json (default: the one next to this module). */
export function loadGuardian(file = GUARDIAN_FILE) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new GuardianError(`cannot read ${file}: ${err.message}`);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GuardianError(`${file} is not valid JSON: ${err.message}`);
  }
  return validateGuardian(value, file);
}
