// The TypeScript declarations of the npm package: tests/types/consumer.ts compiles with
// `tsc --noEmit --strict` (plus exactOptionalPropertyTypes, noUncheckedIndexedAccess, skipLibCheck off),
// once against pkg/ in place and once against the packed package resolved through its `exports`
// (`types` condition), as an app that ran `npm install stepup` would. Wrong calls are `@ts-expect-error`
// lines, so a type that silently became `any` fails too. tests/types/contract.ts holds calls exactly as
// DESIGN.md writes them where the generated types once differed (a gap shows up there). And the package README
// (docs/PACKAGE.md) has a row for every error code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./harness.mjs";
import { installPackedPackage, pkgDir } from "../vite-consumer/pack.mjs";

const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const typesDir = join(repoRoot, "tests", "types");

function compile(project) {
  const r = spawnSync(process.execPath, [tsc, "-p", project, "--pretty", "false"], { encoding: "utf8", cwd: repoRoot });
  return { ok: r.status === 0, out: (r.stdout + r.stderr).trim() };
}

test("tsc --strict: the typed consumer compiles against pkg/", () => {
  const r = compile(join(typesDir, "tsconfig.json"));
  assert.ok(r.ok, r.out);
});

for (const resolution of ["bundler", "nodenext"]) {
  test(`tsc --strict: the typed consumer compiles against the packed package (moduleResolution ${resolution}, exports → types)`, () => {
    const dir = mkdtempSync(join(tmpdir(), "stepup-types-"));
    try {
      const { files } = installPackedPackage(dir);
      for (const f of ["package.json", "stepup.js", "stepup_bg.wasm", "stepup.d.ts", "README.md"]) {
        assert.ok(files.includes(f), `${f} not in the packed files: ${files}`);
      }
      copyFileSync(join(typesDir, "consumer.ts"), join(dir, "consumer.ts"));
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
      // Same options, no `paths`: "stepup" resolves through node_modules/stepup/package.json `exports`.
      const base = JSON.parse(readFileSync(join(typesDir, "tsconfig.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
      delete base.compilerOptions.paths;
      if (resolution === "nodenext") Object.assign(base.compilerOptions, { module: "NodeNext", moduleResolution: "NodeNext" });
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(base, null, 2));
      const r = compile(join(dir, "tsconfig.json"));
      assert.ok(r.ok, r.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("docs/PACKAGE.md (the package README) documents every StepUpErrorCode in its tables", () => {
  const dts = readFileSync(join(pkgDir, "stepup.d.ts"), "utf8");
  const union = dts.match(/export type StepUpErrorCode =([^;]+);/);
  assert.ok(union, "StepUpErrorCode not found in stepup.d.ts");
  const codes = [...union[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.equal(codes.length, 43, `43 codes in DESIGN.md, the union has ${codes.length}`);
  const doc = readFileSync(join(repoRoot, "docs", "PACKAGE.md"), "utf8");
  const missing = codes.filter((c) => !doc.includes(`| \`${c}\` |`));
  assert.deepEqual(missing, [], "codes without a row (when / what to do) in docs/PACKAGE.md");
});

test("tsc --strict: the contract's signatures as DESIGN.md writes them", () => {
  const r = compile(join(typesDir, "tsconfig.contract.json"));
  assert.ok(r.ok, r.out);
});
