// Calls written exactly as DESIGN.md's JavaScript contract states them, where pkg/stepup.d.ts once differed
// (compiled by tests/e2e/types.test.mjs; add a line here for any new gap between the contract and the types).
import { evaluateStepUp } from "stepup";
import type { StepUpDecision } from "stepup";

// DESIGN.md: evaluateStepUp(claims: object, policy: StepUpPolicy, now?: number): `now` is optional.
export const decision: StepUpDecision = evaluateStepUp({ acr: "urn:pwd", amr: ["pwd"] }, { mfa: true });
