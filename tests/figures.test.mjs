// The benchmark figures the READMEs quote are those of bench/RESULTS.md (scripts/figures.mjs).
// Run: node --test tests/figures.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchFigures, checkFigures, figureProblems } from "../scripts/figures.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const docs = {
  readme: readFileSync(join(root, "README.md"), "utf8"),
  pkgReadme: readFileSync(join(root, "docs", "PACKAGE.md"), "utf8"),
  results: readFileSync(join(root, "bench", "RESULTS.md"), "utf8"),
};

/** `text` with `from` replaced once; fails if `from` is not there (the mutation must hit). */
function replaced(text, from, to) {
  assert.ok(text.includes(from), `the text holds ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

test("README.md and docs/PACKAGE.md quote the figures of bench/RESULTS.md", () => {
  assert.deepEqual(checkFigures(), []);
});

test("the results are read: every figure the docs are checked against is a number", () => {
  const f = benchFigures(docs.results);
  const numbers = [f.size.stepup, f.size.auth0, f.size.oidc, f.size.stack, f.cold, f.popup.stepup, f.popup.oidc, f.tokens]
    .flatMap((o) => Object.values(o)).concat(f.size.wasm, f.size.glue);
  for (const n of numbers) assert.ok(Number.isFinite(n) && n > 0, `${n}`);
  assert.equal(f.rejected.cases, 15);
});

test("a figure of another run in the README's Known limits is caught", () => {
  const readme = replaced(docs.readme, "35 vs 25 ms in the last bench run (1.36x)", "42 vs 22 ms in the last bench run (1.86x)");
  const problems = figureProblems({ ...docs, readme });
  assert.ok(problems.some((p) => /README\.md: weight: cold start: says 42, 22, 1\.86/.test(p)), problems.join("\n"));
});

test("a size in other units, or of another run, in the README is caught", () => {
  const readme = replaced(docs.readme, "Weight: 65.7 KiB gzip", "Weight: 67.3 KiB gzip");
  assert.ok(figureProblems({ ...docs, readme }).some((p) => /README\.md: weight: says 67\.3/.test(p)));
});

test("an earlier run's figures beside the last one's are caught", () => {
  const pkgReadme = replaced(docs.pkgReadme, "cold start from 35 to 21 ms.", "cold start from 35 to 21 ms (the run before: 48 to 38 ms).");
  const problems = figureProblems({ ...docs, pkgReadme });
  assert.ok(problems.some((p) => /docs\/PACKAGE\.md: 48 in "48 to 38 ms"/.test(p)), problems.join("\n"));
});

test("the package README's size table follows the results", () => {
  const pkgReadme = replaced(docs.pkgReadme, "| 65.7 KiB | 57.7 KiB |", "| 67.3 KiB | 57.7 KiB |");
  assert.ok(figureProblems({ ...docs, pkgReadme }).some((p) => /docs\/PACKAGE\.md: stepup's size: says .*67\.3/.test(p)));
});

test("a new bench run the docs were not updated for is caught", () => {
  const results = replaced(docs.results, "| stepup | stepup.js + stepup_bg.wasm | 154.9 | 65.7 |", "| stepup | stepup.js + stepup_bg.wasm | 154.9 | 64.9 |");
  const problems = figureProblems({ ...docs, results });
  assert.ok(problems.some((p) => p.startsWith("README.md: sizes")), problems.join("\n"));
  assert.ok(problems.some((p) => p.startsWith("docs/PACKAGE.md: stepup's size")), problems.join("\n"));
});

test("a sentence the check looks for that is gone is a problem, not a pass", () => {
  const readme = replaced(docs.readme, "stepup rejected all 15 broken", "stepup rejected every broken");
  assert.ok(figureProblems({ ...docs, readme }).some((p) => /README\.md: broken responses: no text matching/.test(p)));
});
