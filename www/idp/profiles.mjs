// Provider profiles: the dev provider can behave like the providers stepup meets in the field, so the e2e
// suite covers them. One profile per provider instance: startIdp({ profile: "no-acr" }) (or
// `node www/idp/main.mjs --profile no-acr`, IDP_PROFILE=no-acr); `npm start` runs `standard`.
//
//   standard       acr = the MFA URI after a second factor, urn:stepup:pwd otherwise; acr_values and an
//                  essential acr in `claims` ask for the second factor; amr in RFC 8176 values, with mfa.
//   no-acr         never issues acr and ignores acr_values and `claims`: a second factor only when
//                  guardian.json's policy asks for one; amr ["pwd", "otp"] (no "mfa": two factors say it).
//   custom-amr     no acr; acr_values asking for the MFA URI ask for the second factor; amr in the
//                  provider's own names: password, totp, webauthn, sms, voice.
//   scope-step-up  no acr; ignores acr_values and `claims`: a second factor only when the scope `mfa` is
//                  asked (and granted); amr ["pwd", "otp"].
//   levels         acr = a level of assurance: loa-2 for a password, loa-3 after a code (TOTP, text, call,
//                  email, push, recovery code), loa-4 after a passkey; acr_values / an essential acr name
//                  the level wanted, and the answer is the level achieved, above or below it (a user with
//                  no second factor gets loa-2: nothing is enrolled during the sign-in).
//
// Each profile answers three questions: how strong a session is (`level`), how strong a request wants it
// (`target`: 0 a password, 1 a second factor, 2 a passkey; null for an essential acr it cannot meet), and
// what a finished login reports (`result`).
import { ACR_LEVELS, ACR_MFA, ACR_PWD, AMR } from "./config.mjs";

/** The levels profile's acr values, weakest first (loa-1 is never issued: there is no anonymous login). */
export const LOA_LEVELS = ["loa-1", "loa-2", "loa-3", "loa-4"];
/** The scope that makes the scope-step-up profile ask for a second factor. */
export const MFA_SCOPE = "mfa";
/** The custom-amr profile's names for RFC 8176 values (user verification and "mfa" are not named). */
export const CUSTOM_AMR = { pwd: "password", otp: "totp", hwk: "webauthn", swk: "webauthn", sms: "sms", tel: "voice" };
export const PROFILE_NAMES = ["standard", "no-acr", "custom-amr", "scope-step-up", "levels"];

/** The acr values a request asks for: `acr_values` (voluntary) and `claims` acr (maybe essential). */
export function requestedAcr(params) {
  const fromValues = typeof params.acr_values === "string" ? params.acr_values.split(" ").filter(Boolean) : [];
  let parsed = params.claims;
  if (typeof parsed === "string") {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      parsed = undefined;
    }
  }
  const acr = parsed?.id_token?.acr;
  const fromClaims = acr ? [...(acr.value !== undefined ? [acr.value] : []), ...(Array.isArray(acr.values) ? acr.values : [])] : [];
  return { values: [...fromValues, ...fromClaims], essential: acr?.essential === true ? fromClaims : [] };
}

const secondFactor = (amr) => (amr ?? []).some((m) => m !== AMR.pwd && m !== CUSTOM_AMR.pwd);
const hasPasskey = (amr) => amr.includes(AMR.hwk) || amr.includes(AMR.swk);

const standard = {
  name: "standard",
  acrValues: ACR_LEVELS,
  scopes: [],
  enrollment: true,
  honoursAcr: true,
  level: ({ acr }) => ACR_LEVELS.indexOf(acr),
  target(params, switches) {
    if (switches.ignoreAcrValues) return 0;
    const { values, essential } = requestedAcr(params);
    if (essential.length && !essential.some((v) => ACR_LEVELS.includes(v))) return null;
    return values.includes(ACR_MFA) ? 1 : 0;
  },
  result: (factorAmr) => (factorAmr ? { acr: ACR_MFA, amr: [AMR.pwd, ...factorAmr, AMR.mfa] } : { acr: ACR_PWD, amr: [AMR.pwd] }),
};

/** Profiles without acr judge a session by its amr: a second factor or not. */
const byAmr = { level: ({ amr }) => (secondFactor(amr) ? 1 : 0), acrValues: [], scopes: [], enrollment: true, honoursAcr: false };

const PROFILES = {
  standard,
  "no-acr": {
    ...byAmr,
    name: "no-acr",
    target: () => 0,
    result: (factorAmr) => ({ amr: [AMR.pwd, ...(factorAmr ?? []).filter((m) => m !== AMR.user)] }),
  },
  "custom-amr": {
    ...byAmr,
    name: "custom-amr",
    target: (params, switches) => (standard.target(params, switches) === 1 ? 1 : 0),
    result: (factorAmr) => ({ amr: [...new Set([AMR.pwd, ...(factorAmr ?? [])].map((m) => CUSTOM_AMR[m]).filter(Boolean))] }),
  },
  "scope-step-up": {
    ...byAmr,
    name: "scope-step-up",
    scopes: [MFA_SCOPE],
    target: (params) => (String(params.scope ?? "").split(" ").includes(MFA_SCOPE) ? 1 : 0),
    result: (factorAmr) => ({ amr: [AMR.pwd, ...(factorAmr ?? []).filter((m) => m !== AMR.user)] }),
  },
  levels: {
    name: "levels",
    acrValues: LOA_LEVELS,
    scopes: [],
    enrollment: false,
    honoursAcr: false,
    level: ({ acr }) => Math.max(0, LOA_LEVELS.indexOf(acr) - 1),
    target(params, switches) {
      if (switches.ignoreAcrValues) return 0;
      const { values, essential } = requestedAcr(params);
      if (essential.length && !essential.some((v) => LOA_LEVELS.includes(v))) return null;
      const known = values.map((v) => LOA_LEVELS.indexOf(v)).filter((i) => i >= 0);
      // The weakest level asked for is enough (loa-1 and loa-2: a password).
      return known.length ? Math.max(0, Math.min(...known) - 1) : 0;
    },
    result(factorAmr) {
      if (!factorAmr) return { acr: "loa-2", amr: [AMR.pwd] };
      return { acr: hasPasskey(factorAmr) ? "loa-4" : "loa-3", amr: [AMR.pwd, ...factorAmr, AMR.mfa] };
    },
  },
};

/** The profile named `name` (default standard); an unknown name is an error that lists the known ones. */
export function getProfile(name = "standard") {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (!profile) throw new Error(`unknown provider profile ${JSON.stringify(name)}; known: ${PROFILE_NAMES.join(", ")}`);
  return profile;
}
