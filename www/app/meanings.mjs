// What the values in a token mean, for the inspector: RFC 8176 `amr` values (with the factor
// category stepup's `mfa` policy uses), known `acr` values, and the policy decision's reasons.

export const MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/** RFC 8176 §2 (and IANA's `pop`). Category per DESIGN.md: knowledge, possession, inherence. */
export const AMR = {
  pwd: ["Password", "knowledge"],
  pin: ["Personal identification number or pattern", "knowledge"],
  kba: ["Knowledge-based authentication", "knowledge"],
  otp: ["One-time password", "possession"],
  sms: ["Confirmation by text message to a registered number", "possession"],
  tel: ["Confirmation by phone call to a registered number", "possession"],
  hwk: ["Proof of possession of a hardware-secured key", "possession"],
  swk: ["Proof of possession of a software-secured key", "possession"],
  sc: ["Smart card", "possession"],
  pop: ["Proof of possession of a key", "possession"],
  fpt: ["Fingerprint", "inherence"],
  face: ["Facial recognition", "inherence"],
  iris: ["Iris scan", "inherence"],
  retina: ["Retina scan", "inherence"],
  vbm: ["Voiceprint", "inherence"],
  mfa: ["Multiple-factor authentication", "summary"],
  mca: ["Multiple-channel authentication", "other"],
  rba: ["Risk-based authentication", "other"],
  geo: ["Geolocation", "other"],
  user: ["User presence test", "other"],
  wia: ["Windows integrated authentication", "other"],
};

export function amrMeaning(value) {
  const [meaning, category] = AMR[value] ?? ["Not an RFC 8176 value (provider-specific)", "other"];
  return { meaning, category };
}

export function acrMeaning(acr) {
  if (acr === MFA_ACR) return "Multi-factor authentication (OpenID PAPE policy, as Auth0 uses it)";
  if (acr === "urn:stepup:pwd") return "Password only (the dev identity provider's level)";
  if (acr === "0") return "Level 0: no assurance (e.g. a remembered session)";
  if (!acr) return "Not present in the token";
  return "Provider-specific level";
}

export const REASONS = {
  mfa_not_satisfied: "No second factor: amr lacks mfa (and factors of two categories), and acr is not the multi-factor policy.",
  auth_time_too_old: "The sign-in is older than the policy's maxAge.",
  auth_time_missing: "The token has no auth_time, so its age is unknown.",
  auth_time_in_future: "auth_time is in the future (clock skew?).",
  acr_not_satisfied: "acr is not one of the accepted values.",
  amr_not_satisfied: "amr lacks a required method.",
};
