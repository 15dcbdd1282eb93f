// Calls written exactly as DESIGN.md's JavaScript contract states them, where pkg/stepup.d.ts once differed
// (compiled by tests/e2e/types.test.mjs; add a line here for any new gap between the contract and the types).
import { evaluateStepUp, policyPreset } from "stepup";
import type { Session, StepUpClient, StepUpDecision, StepUpPolicy } from "stepup";

// DESIGN.md: evaluateStepUp(claims: object, policy: StepUpPolicy, now?: number): `now` is optional.
export const decision: StepUpDecision = evaluateStepUp({ acr: "urn:pwd", amr: ["pwd"] }, { mfa: true });

// DESIGN.md: getAccessToken(options?: { audience?: string; scope?: string; signal?: AbortSignal }): Promise<string>;
// onSessionChange(listener: (session: Session | null) => void): () => void.
export async function sessions(c: StepUpClient, signal: AbortSignal): Promise<void> {
  const t: string = await c.getAccessToken({ audience: "https://api.example.com", scope: "read", signal });
  const off: () => void = c.onSessionChange((session: Session | null) => void session);
  off();
  void t;
}

// DESIGN.md: policyPreset(name: "nist-aal2" | "nist-aal3" | "pci-dss"): StepUpPolicy, "also exported by the browser entry".
export const aal2: StepUpPolicy = policyPreset("nist-aal2");
export const stepped: StepUpDecision = evaluateStepUp({ amr: ["pwd", "otp"] }, policyPreset("pci-dss"));
