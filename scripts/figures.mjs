// The figures README.md and docs/PACKAGE.md (the npm package's README) quote from the benchmark must be those of
// bench/RESULTS.md, the last full `npm run bench`: one run, one set of figures, everywhere.
// `node scripts/figures.mjs` prints each disagreement and fails; tests/figures.test.mjs runs the same check.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/** "71,600", "71 600", "**35 ms**", "1.36x" → 71600, 71600, 35, 1.36. */
const num = (text) => Number(String(text).replace(/[*,\s\u202f]|ms|KiB|x$/g, ""));

/** The section of `markdown` under the heading `title` (any level), up to the next heading of that level or higher. */
function section(markdown, title) {
  const start = markdown.search(new RegExp(`^(#+) ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`, "m"));
  if (start < 0) throw new Error(`no section "${title}"`);
  const level = markdown.slice(start).match(/^#+/)[0].length;
  const rest = markdown.slice(start).split("\n").slice(1).join("\n");
  const end = rest.search(new RegExp(`^#{1,${level}} `, "m"));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The cells of the table row of `text` whose first cell is exactly `first`. */
function row(text, first) {
  const line = text.split("\n").find((l) => l.startsWith("|") && l.split("|")[1]?.trim() === first);
  if (!line) throw new Error(`no table row "${first}"`);
  return line.split("|").slice(1, -1).map((c) => c.trim());
}

/** The benchmark's figures, read from bench/RESULTS.md's tables and sentences. */
export function benchFigures(results) {
  const size = section(results, "Size: what an app ships");
  const sizeOf = (name) => {
    const [, , raw, gzip, brotli, ratio] = row(size, name);
    return { raw: num(raw), gzip: num(gzip), brotli: num(brotli), ratio: num(ratio) };
  };
  const share = size.match(/the wasm is ([\d.]+) KiB gzip, the minified glue ([\d.]+) KiB gzip/);
  if (!share) throw new Error("no sentence on stepup's share (wasm and glue)");
  const cold = section(results, "Cold start in Chromium");
  const start = (name) => num(row(cold, name)[4]);
  const preload = cold.match(/took ([\d.]+) ms against ([\d.]+) ms: ([\d.]+)x oidc-client-ts instead of ([\d.]+)x/);
  if (!preload) throw new Error("no sentence on the preloaded cold start");
  const popup = section(results, "Popup step-up round trip against the dev identity provider");
  const trip = (name) => ({ click: num(row(popup, name)[1]), callback: num(row(popup, name)[3]) });
  const tokens = section(results, "Token work in Chromium");
  const ops = (name) => num(row(tokens, name)[1]);
  const other = (name) => num(row(tokens, name)[3]);
  const validated = section(results, "What each one validated");
  const broken = validated.split("\n").filter((l) => l.startsWith("| ") && !/^\| (broken|nothing wrong)/.test(l) && !/^\| -/.test(l));
  const rejected = (column) => broken.filter((l) => l.split("|")[column].trim().startsWith("rejected")).length;
  const chromium = results.match(/Browser: Chromium (\d+)\./)?.[1];
  if (!chromium) throw new Error("no Chromium version");
  return {
    chromium,
    size: {
      stepup: sizeOf("stepup"),
      auth0: sizeOf("@auth0/auth0-spa-js"),
      oidc: sizeOf("oidc-client-ts"),
      stack: sizeOf("oidc-client-ts + @simplewebauthn/browser + jose"),
      wasm: num(share[1]),
      glue: num(share[2]),
    },
    cold: {
      floor: start("(no library)"),
      stepup: start("stepup"),
      preloaded: start("stepup, wasm preloaded"),
      auth0: start("@auth0/auth0-spa-js"),
      oidc: start("oidc-client-ts"),
      ratio: num(preload[4]),
      preloadedRatio: num(preload[3]),
    },
    popup: { stepup: trip("stepup"), oidc: trip("oidc-client-ts") },
    tokens: {
      decode: ops("decode (header + claims)"),
      validate: ops("decode + every claim rule, no signature"),
      rs256: ops("signature (RS256) + claim rules, `jwksUri` (keys cached)"),
      es256: ops("signature (ES256) + claim rules, `jwksUri` (keys cached)"),
      rs256Inline: ops("signature (RS256, 2048-bit) + claim rules, inline `jwks`"),
      es256Inline: ops("signature (ES256, P-256) + claim rules, inline `jwks`"),
      joseRs256: other("signature (RS256) + claim rules, `jwksUri` (keys cached)"),
      joseEs256: other("signature (ES256) + claim rules, `jwksUri` (keys cached)"),
    },
    rejected: { cases: broken.length, stepup: rejected(2), oidc: rejected(3) },
    /** Every "<n> ms" the results state: a doc's benchmark section may quote no other. */
    ms: new Set([...results.matchAll(/(\d[\d.,]*) ms\b/g)].map((m) => num(m[1]))),
  };
}

/** Per-second figures are quoted to the hundred. */
const hundreds = (n) => Math.round(n / 100) * 100;
const oneDecimal = (n) => Math.round(n * 10) / 10;

/**
 * The disagreements between the docs and the results, as sentences (empty when they agree).
 * `readme`: README.md; `pkgReadme`: docs/PACKAGE.md; `results`: bench/RESULTS.md.
 */
export function figureProblems({ readme, pkgReadme, results }) {
  const f = benchFigures(results);
  const problems = [];
  /** In `text` (of `doc`), `pattern` must match, and its captured numbers be `expected`. */
  const expect = (doc, text, what, pattern, expected) => {
    // A space of the pattern matches any run of whitespace: the docs wrap their lines anywhere.
    const m = text.match(new RegExp(pattern.source.replace(/ /g, "\\s+"), pattern.flags));
    if (!m) {
      problems.push(`${doc}: ${what}: no text matching ${pattern}`);
      return;
    }
    const found = m.slice(1).map(num);
    if (found.some((v, i) => v !== expected[i])) {
      problems.push(`${doc}: ${what}: says ${m.slice(1).join(", ")} where bench/RESULTS.md has ${expected.join(", ")} ("${m[0]}")`);
    }
  };
  /** Every "<n> ms" of a benchmark section must be one the results state, lists too ("42, 37 and 22 ms"). */
  const onlyBenchMs = (doc, text) => {
    for (const m of text.matchAll(/(\d[\d.]*(?:(?:, | and | to | vs | against |–)\d[\d.]*)*) ms\b/g)) {
      for (const n of m[1].split(/, | and | to | vs | against |–/)) {
        if (!f.ms.has(num(n))) problems.push(`${doc}: ${n} in "${m[0]}" is not a figure of bench/RESULTS.md (a figure of another run?)`);
      }
    }
  };
  const s = f.size;
  const c = f.cold;
  const p = f.popup;
  const t = f.tokens;

  const speed = section(readme, "Size and speed");
  const weight = section(readme, "Known limits").match(/^- Weight:[\s\S]*?(?=\n- |\n\n)/m)?.[0] ?? "";
  const R = "README.md";
  expect(R, speed, "what ships", /\*\*([\d.]+) KiB gzip\*\*, plus the .*?glue.*?\(([\d.]+) KiB gzip[\s\S]*?\*\*([\d.]+) KiB gzip in all\*\* \([\d,]+ B; ([\d.]+) KiB raw/,
    [s.wasm, s.glue, s.stepup.gzip, s.stepup.raw]);
  const bytes = speed.match(/KiB gzip in all\*\* \(([\d,]+) B/)?.[1];
  if (bytes && oneDecimal(num(bytes) / 1024) !== s.stepup.gzip) problems.push(`${R}: ${bytes} B is not ${s.stepup.gzip} KiB`);
  expect(R, speed, "sizes", /stepup ([\d.]+) KiB, auth0-spa-js ([\d.]+) KiB, oidc-client-ts ([\d.]+) KiB, and oidc-client-ts \+\s+@simplewebauthn\/browser \+ jose ([\d.]+) KiB/,
    [s.stepup.gzip, s.auth0.gzip, s.oidc.gzip, s.stack.gzip]);
  expect(R, speed, "cold start", /\): (\d+) ms median, against (\d+) ms for auth0-spa-js and (\d+) ms for\s+oidc-client-ts \(([\d.]+)x; the harness alone took (\d+) ms/,
    [c.stepup, c.auth0, c.oidc, c.ratio, c.floor]);
  expect(R, speed, "cold start, wasm preloaded", /measured (\d+) ms \(([\d.]+)x/, [c.preloaded, c.preloadedRatio]);
  expect(R, speed, "popup round trip", /click to validated token: (\d+) ms, against (\d+) ms for/, [p.stepup.click, p.oidc.click]);
  expect(R, speed, "callback to token", /signature, policy\) (\d+) ms against (\d+) ms/, [p.stepup.callback, p.oidc.callback]);
  expect(R, speed, "broken responses", /stepup rejected all (\d+) broken responses in the benchmark; oidc-client-ts rejected (\d+)/,
    [f.rejected.stepup, f.rejected.oidc]);
  if (f.rejected.stepup !== f.rejected.cases) problems.push(`bench/RESULTS.md: stepup rejected ${f.rejected.stepup} of ${f.rejected.cases}, the README says all`);
  expect(R, speed, "tokens per second", /`decodeJwt` ([\d,]+), `validateIdTokenClaims` ([\d,]+), `verifyIdToken` with `jwksUri` ([\d,]+)\s+RS256 \/ ([\d,]+) ES256 \(jose `jwtVerify` \+ the same checks in JS: ([\d,]+) \/ ([\d,]+)\)\. With the keys inline \(`jwks`, imported per call\) ([\d,]+) \/ ([\d,]+)/,
    [t.decode, t.validate, t.rs256, t.es256, t.joseRs256, t.joseEs256, t.rs256Inline, t.es256Inline].map(hundreds));
  onlyBenchMs(R, speed);
  expect(R, weight, "weight", /Weight: ([\d.]+) KiB gzip, ([\d.]+) times oidc-client-ts \(([\d.]+) KiB\) and ([\d.]+) times auth0-spa-js/,
    [s.stepup.gzip, oneDecimal(s.stepup.gzip / s.oidc.gzip), s.oidc.gzip, oneDecimal(s.stepup.gzip / s.auth0.gzip)]);
  expect(R, weight, "weight: cold start", /(\d+) vs (\d+) ms in the last bench run \(([\d.]+)x\), (\d+) ms \(([\d.]+)x\)/,
    [c.stepup, c.oidc, c.ratio, c.preloaded, c.preloadedRatio]);
  onlyBenchMs(R, weight);

  const P = "docs/PACKAGE.md";
  const pkgSpeed = section(pkgReadme, "Size and speed");
  const preloadNote = pkgReadme.match(/^In the benchmark this took[^\n]*(\n[^\n]+)*/m)?.[0] ?? "";
  expect(P, preloadNote, "preloading", /cold start from (\d+) to (\d+) ms/, [c.stepup, c.preloaded]);
  onlyBenchMs(P, preloadNote);
  expect(P, pkgSpeed, "browser", /headless Chromium (\d+)/, [num(f.chromium)]);
  expect(P, pkgSpeed, "stepup's size", /\| stepup \(wasm ([\d.]+) KiB \+ glue ([\d.]+) KiB gzip[^|]*\| ([\d.]+) KiB \| ([\d.]+) KiB \|/,
    [s.wasm, s.glue, s.stepup.gzip, s.stepup.brotli]);
  expect(P, pkgSpeed, "auth0-spa-js's size", /\| @auth0\/auth0-spa-js \| ([\d.]+) KiB \| ([\d.]+) KiB \|/, [s.auth0.gzip, s.auth0.brotli]);
  expect(P, pkgSpeed, "the JS stack's size", /\| oidc-client-ts \+ @simplewebauthn\/browser \+ jose[^|]*\| ([\d.]+) KiB \| ([\d.]+) KiB \|/, [s.stack.gzip, s.stack.brotli]);
  expect(P, pkgSpeed, "oidc-client-ts's size", /\| oidc-client-ts \| ([\d.]+) KiB \| ([\d.]+) KiB \|/, [s.oidc.gzip, s.oidc.brotli]);
  expect(P, pkgSpeed, "cold start", /fresh cache\): (\d+) ms median, against (\d+) ms\s+for auth0-spa-js and (\d+) ms for oidc-client-ts[\s\S]*?the harness alone:\s+(\d+) ms\); (\d+) ms with the wasm preloaded/,
    [c.stepup, c.auth0, c.oidc, c.floor, c.preloaded]);
  expect(P, pkgSpeed, "popup round trip", /took (\d+) ms against (\d+) ms for oidc-client-ts/, [p.stepup.click, p.oidc.click]);
  expect(P, pkgSpeed, "callback to token", /policy\) (\d+) ms vs (\d+) ms/, [p.stepup.callback, p.oidc.callback]);
  expect(P, pkgSpeed, "tokens per second", /about ([\d\s,]+?) \/ ([\d\s,]+?) per second; `verifyIdToken` with `jwksUri` \(cached\s+keys\): ([\d\s,]+?) RS256 \/ ([\d\s,]+?) ES256 per second \(jose `jwtVerify` with the same checks in JS: ([\d\s,]+?) \/ ([\d\s,]+?)\)/,
    [t.decode, t.validate, t.rs256, t.es256, t.joseRs256, t.joseEs256].map(hundreds));
  onlyBenchMs(P, pkgSpeed);
  return problems;
}

export function checkFigures() {
  const read = (f) => readFileSync(join(root, f), "utf8");
  return figureProblems({ readme: read("README.md"), pkgReadme: read("docs/PACKAGE.md"), results: read("bench/RESULTS.md") });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkFigures();
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log("README.md and docs/PACKAGE.md quote bench/RESULTS.md's figures");
}
