// Calls written exactly as DESIGN.md's JavaScript contract states them. Known gaps between the contract and
// pkg/stepup.d.ts make this file fail to compile; tests/e2e/types.test.mjs runs it as a `todo` test and
// prints the errors, so a fixed gap shows up as a passing todo.
import { evaluateStepUp } from "stepup";
import type { StepUpDecision } from "stepup";

// DESIGN.md: evaluateStepUp(claims: object, policy: StepUpPolicy, now?: number): `now` is optional.
export const decision: StepUpDecision = evaluateStepUp({ acr: "urn:pwd", amr: ["pwd"] }, { mfa: true });
