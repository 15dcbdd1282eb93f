// bench/RESULTS.md from the results object of scripts/bench.mjs.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { guardSection } from "./guard.mjs";

const kb = (b) => (b / 1024).toFixed(1);
const ms = (x) => (x == null ? "–" : x < 10 ? x.toFixed(1) : x.toFixed(0));
const ratio = (a, b) => (b ? (a / b >= 10 ? (a / b).toFixed(0) : (a / b).toFixed(2)) : "–");
const ops = (x) => (x >= 10000 ? Math.round(x / 100) * 100 : Math.round(x)).toLocaleString("en-US");
const esc = (s) => String(s).replace(/\|/g, "\\|");

const LIB_NOTES = {
  none: "nothing (the harness alone: the floor)",
  stepup: "init() (fetch + compile the wasm) + `StepUpClient.create` with metadata",
  "stepup+preload": "the same, the page's HTML preloading the wasm (`<link rel=\"preload\" as=\"fetch\" crossorigin>`)",
  "auth0-spa-js": "`new Auth0Client(…)`",
  "oidc-client-ts": "`new UserManager(…)` with metadata",
  "simplewebauthn-browser": "`browserSupportsWebAuthn()`",
  "oidc-client-ts+simplewebauthn": "`new UserManager(…)`",
  "oidc-client-ts+simplewebauthn+jose": "`new UserManager(…)`",
  "jwt-decode": "one `jwtDecode()`",
  jose: "`createRemoteJWKSet(…)` (no fetch yet)",
};
const DISPLAY = {
  none: "(no library)",
  "stepup+preload": "stepup, wasm preloaded",
  "simplewebauthn-browser": "@simplewebauthn/browser",
  "auth0-spa-js": "@auth0/auth0-spa-js",
  "oidc-client-ts+simplewebauthn": "oidc-client-ts + @simplewebauthn/browser",
  "oidc-client-ts+simplewebauthn+jose": "oidc-client-ts + @simplewebauthn/browser + jose",
};
const show = (e) => DISPLAY[e] ?? e;

function sizeSection(r) {
  const s = r.size;
  const ref = s.stepup.total;
  const lines = [
    "## Size: what an app ships",
    "",
    "Each library is bundled by Vite " + r.versions.vite + " (production build, minified, tree-shaken) from a tiny entry",
    "(`bench/entries/*.js`) that imports what an app would use: stepup's `init`, `StepUpClient`, `handlePopupCallback` and the",
    "passkey functions; auth0-spa-js's `Auth0Client`; oidc-client-ts's `UserManager`; @simplewebauthn/browser's",
    "`startRegistration`, `startAuthentication` and the support checks; jwt-decode's `jwtDecode`; jose's `jwtVerify`,",
    "`createRemoteJWKSet`, `decodeJwt`. The counted files are the entry's chunk plus emitted assets (stepup: the",
    "minified glue + `stepup_bg.wasm`, which holds the whole library; no wasm code is tree-shaken), not the bench harness.",
    "Each file is compressed on its own as a server sends it (node zlib: gzip level 9, brotli quality 11).",
    "",
    "| library | files | raw KiB | gzip KiB | brotli KiB | stepup gzip ÷ this (> 1: stepup is larger) |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, { total, parts }] of Object.entries(s)) {
    const files = parts.map((p) => p.name.replace(/^assets\//, "").replace(/-[A-Za-z0-9_-]{8}\./, ".")).join(" + ");
    lines.push(`| ${show(name)} | ${files} | ${kb(total.raw)} | ${kb(total.gzip)} | ${kb(total.brotli)} | ${name === "stepup" ? "1" : ratio(ref.gzip, total.gzip)} |`);
  }
  const wasmPart = s.stepup.parts.find((p) => p.name.endsWith(".wasm"));
  const gluePart = s.stepup.parts.find((p) => p.name.endsWith(".js"));
  if (wasmPart && gluePart) {
    lines.push("", `stepup's share: the wasm is ${kb(wasmPart.gzip)} KiB gzip, the minified glue ${kb(gluePart.gzip)} KiB gzip.`);
  }
  // The byte ledger is kept by hand (one row per size change) in bench/size-ledger.md.
  const ledger = join(dirname(fileURLToPath(import.meta.url)), "..", "size-ledger.md");
  if (existsSync(ledger)) lines.push("", readFileSync(ledger, "utf8").trimEnd());
  return lines;
}

function coldSection(r) {
  if (!r.cold) return [];
  const ref = r.cold.stepup;
  const lines = [
    "## Cold start in Chromium",
    "",
    `Median of ${r.runs} page loads per library; every load in a fresh browser context (empty HTTP cache, so no`,
    "cached compiled code; the server also sends `cache-control: no-store`), the libraries taking turns load by load.",
    "The page's module does `await import(<library chunk>)` (fetch, parse, evaluate) and then `start()`: what the app does",
    "before it can use the library. Page clock (`performance.now()`, 0.1 ms resolution). Served from 127.0.0.1.",
    "",
    "\"stepup ÷ this\" > 1 means stepup takes longer. \"Above the floor\" subtracts the median of the harness with no library",
    "(a dynamic import of an empty chunk) from both; for libraries within a few ms of the floor that ratio is mostly noise.",
    "",
    "| library | start() is | import | start() | import + start() | p25–p75 | stepup ÷ this | stepup ÷ this, above the floor | page ready (since navigation) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  // The preloaded variant right below stepup.
  const names = Object.keys(r.cold).filter((n) => n !== "stepup+preload");
  if (r.cold["stepup+preload"]) names.splice(names.indexOf("stepup") + 1, 0, "stepup+preload");
  for (const name of names) {
    const c = r.cold[name];
    const floor = r.cold.none?.startAndImport ?? 0;
    lines.push(`| ${show(name)} | ${LIB_NOTES[name] ?? ""} | ${ms(c.import)} ms | ${ms(c.start)} ms | **${ms(c.startAndImport)} ms** | ${ms(c.iqr[0])}–${ms(c.iqr[1])} | ${name === "stepup" || name === "none" ? "" : ratio(ref.startAndImport, c.startAndImport)} | ${name === "stepup" || name === "none" ? "" : ratio(ref.startAndImport - floor, c.startAndImport - floor)} | ${ms(c.ready)} ms |`);
  }
  const pre = r.cold["stepup+preload"], oidc = r.cold["oidc-client-ts"];
  if (pre && oidc) {
    lines.push("", "stepup needs a second request, for the wasm, which `init()` makes only once the JS has arrived and run. " +
      `With the page preloading it, import + start() took ${ms(pre.startAndImport)} ms against ${ms(ref.startAndImport)} ms: ` +
      `${ratio(pre.startAndImport, oidc.startAndImport)}x oidc-client-ts instead of ${ratio(ref.startAndImport, oidc.startAndImport)}x.`);
  }
  return lines;
}

function tokenSection(r) {
  if (!r.tokens) return [];
  const t = r.tokens.results;
  const get = (n) => t[n]?.opsPerSec;
  const groups = [
    ["decode (header + claims)", "stepup decodeJwt", ["jwt-decode (header + payload)", "jose decodeProtectedHeader + decodeJwt"]],
    ["decode + every claim rule, no signature", "stepup validateIdTokenClaims", ["jwt-decode + JS claim checks", "jose decode + JS claim checks"]],
    ["signature (RS256, 2048-bit) + claim rules, inline `jwks`", "stepup verifyIdToken RS256", ["jose jwtVerify RS256 + JS claim checks"]],
    ["signature (RS256) + claim rules, `jwksUri` (keys cached)", "stepup verifyIdToken RS256 (jwksUri, cached keys)", ["jose jwtVerify RS256 + JS claim checks"]],
    ["signature (ES256, P-256) + claim rules, inline `jwks`", "stepup verifyIdToken ES256", ["jose jwtVerify ES256 + JS claim checks"]],
    ["signature (ES256) + claim rules, `jwksUri` (keys cached)", "stepup verifyIdToken ES256 (jwksUri, cached keys)", ["jose jwtVerify ES256 + JS claim checks"]],
  ];
  const lines = [
    "## Token work in Chromium",
    "",
    `Operations per second, one at a time on the page's main thread (async ones awaited one by one), median of the timed`,
    `runs after a warm-up. The same ID tokens for all (${r.tokens.tokenBytes.rs256} and ${r.tokens.tokenBytes.es256} characters, 13 claims incl. acr, amr,`,
    "auth_time, nonce). \"JS claim checks\" is the rule set stepup applies, written in plain JS (`bench/pages/tokens.js`:",
    "alg allowlist, iss, aud/azp, exp/iat/nbf types and times with leeway, sub, nonce, auth_time ≤ max_age, acr ∈ acr_values).",
    "Signatures (WebCrypto in both): jose verifies with a `createLocalJWKSet` of the set, which caches the imported",
    "`CryptoKey`s. stepup is measured twice: with the set inline (`jwks`), where it imports the key on every call, and",
    "with `jwksUri` (the same set served by the page's server), where it fetches the set once and caches the imported keys.",
    "",
    "| operation | stepup ops/s | other | other ops/s | stepup ÷ other (> 1: stepup is faster) |",
    "| --- | ---: | --- | ---: | ---: |",
  ];
  for (const [what, mine, others] of groups) {
    for (const [i, o] of others.entries()) {
      lines.push(`| ${i === 0 ? what : ""} | ${i === 0 ? ops(get(mine)) : ""} | ${o} | ${ops(get(o))} | ${ratio(get(mine), get(o))} |`);
    }
  }
  return lines;
}

function roundtripSection(r) {
  if (!r.roundtrip) return [];
  const a = r.roundtrip.stepup;
  const b = r.roundtrip["oidc-client-ts"];
  return [
    "## Popup step-up round trip against the dev identity provider",
    "",
    `Median of ${r.roundtripRuns} flows per library (after one warm-up each), alternating. Each flow in a fresh browser context,`,
    "so the provider (npm oidc-provider, `www/idp/`) shows its password page, then its TOTP page; playwright fills both",
    "(the same script and timing for both libraries). stepup: `requireStepUp({ mfa: true, maxAge: 300 })`; oidc-client-ts",
    "`signinPopup({ acr_values: <MFA URI>, max_age: 300 })` + `signinPopupCallback()` on its callback page. Both clients",
    "did discovery before the click. \"click → token\" is the app's clock from the click to the resolved promise with a",
    "validated session; \"callback → token\" from the moment the popup requested the callback page to the resolved promise:",
    "the library's own work after the provider (popup relay, code exchange, for stepup also the JWKS fetch, signature",
    "check and policy).",
    "",
    "| library | click → token (median) | p25–p75 | callback → token (median) | p25–p75 |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| stepup | **${ms(a.clickToToken)} ms** | ${ms(a.iqr[0])}–${ms(a.iqr[1])} | **${ms(a.afterCallback)} ms** | ${ms(a.afterCallbackIqr[0])}–${ms(a.afterCallbackIqr[1])} |`,
    `| oidc-client-ts | ${ms(b.clickToToken)} ms | ${ms(b.iqr[0])}–${ms(b.iqr[1])} | ${ms(b.afterCallback)} ms | ${ms(b.afterCallbackIqr[0])}–${ms(b.afterCallbackIqr[1])} |`,
    `| stepup ÷ oidc-client-ts (> 1: stepup takes longer) | ${ratio(a.clickToToken, b.clickToToken)} | | ${ratio(a.afterCallback, b.afterCallback)} | |`,
  ];
}

function checksSection(r) {
  if (!r.checks) return [];
  const cell = (x) => (x.accepted ? "**accepted**" : `rejected: \`${esc(x.error).slice(0, 90)}\``);
  const lines = [
    "## What each one validated",
    "",
    "Derived from behaviour, not from documentation: the same popup flow, with one thing wrong at a time. Claim cases",
    "rewrite the token endpoint's answer in flight (a playwright route): the one claim changed and the ID token re-signed",
    "with a key of ours that the equally rewritten JWKS publishes, so only that check can fail. \"acr\", \"state\" and \"RFC",
    "9207 iss\" use the dev provider's misbehaviour switches. A library that returns a session is marked **accepted**.",
    "",
    "| broken | stepup | oidc-client-ts |",
    "| --- | --- | --- |",
  ];
  for (const row of r.checks) lines.push(`| ${row.check} | ${cell(row.stepup)} | ${cell(row["oidc-client-ts"])} |`);
  lines.push(
    "",
    "Notes: oidc-client-ts sends no `nonce` in the code flow, so it has none to compare; it removes `acr`, `amr` and",
    "`auth_time` from `user.profile` (`filterProtocolClaims`), so an app that wants to check them must decode `user.id_token`",
    "itself; it has no per-call policy (acr/amr/max_age) and does not verify ID token signatures.",
  );
  return lines;
}

function wasmSection(r) {
  const w = r.wasm;
  if (!w) return [];
  const lines = ["## Where stepup's wasm bytes go", ""];
  if (w.release) {
    lines.push(
      `\`twiggy top\` on the un-stripped release wasm (\`target/wasm32-unknown-unknown/release/stepup.wasm\`, ${kb(w.release.total)} KiB):`,
      "most of it is not code that ships but custom sections that wasm-bindgen and wasm-opt remove.",
      "",
      "| item | bytes | % |",
      "| --- | ---: | ---: |",
      ...w.release.top.slice(0, 10).map((i) => `| ${esc(i.name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/::h[0-9a-f]{16}$/, "")).slice(0, 100)} | ${i.shallow_size} | ${i.shallow_size_percent.toFixed(1)} |`),
      "",
    );
  }
  if (w.named) {
    lines.push(
      `What ships: the same wasm through wasm-bindgen and wasm-opt (relooper, \`-Oz\`) as \`npm run build\` does, but with function names`,
      `kept (\`--keep-debug\`, \`-g\`) so twiggy can name them; ${kb(w.named.total)} KiB without the names section. Bytes by owner`,
      "(crate, or stepup module; async fn bodies are inlined into `future_to_promise` and export bodies into wasm-bindgen's shims):",
      "",
      "| owner | bytes | % |",
      "| --- | ---: | ---: |",
      ...w.named.owners.slice(0, 20).map((o) => `| ${esc(o.name)} | ${o.bytes} | ${((o.bytes / w.named.total) * 100).toFixed(1)} |`),
      "",
      "Largest single items:",
      "",
      "| item | bytes |",
      "| --- | ---: |",
      ...w.named.top.slice(0, 15).map((i) => `| ${esc(i.name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/::h[0-9a-f]{16}$/, "")).slice(0, 110)} | ${i.shallow_size} |`),
      "",
    );
  }
  if (w.wasmOpt?.length) {
    const base = w.wasmOpt.find((v) => v.name.includes("npm run build"));
    lines.push(
      "wasm-opt settings (binaryen " + (r.versions.binaryen ?? "132") + ") on the same wasm-bindgen output:",
      "",
      "| wasm-opt | wasm raw | wasm gzip | wasm brotli | gzip vs build | time |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...w.wasmOpt.map((v) => `| ${v.name} | ${v.wasm.raw} | ${v.wasm.gzip} | ${v.wasm.brotli} | ${base ? (v.wasm.gzip - base.wasm.gzip >= 0 ? "+" : "") + (v.wasm.gzip - base.wasm.gzip) : ""} | ${v.seconds.toFixed(1)} s |`),
      "",
    );
  }
  if (w.optLevels?.length) {
    const base = w.optLevels[0];
    lines.push(
      "rustc settings (each built in its own target dir, then wasm-bindgen + `wasm-opt -Oz`):",
      "",
      "| Cargo release profile | wasm raw | wasm gzip | wasm brotli | gzip vs Cargo.toml | glue gzip |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...w.optLevels.map((v) => `| ${v.name} | ${v.wasm.raw} | ${v.wasm.gzip} | ${v.wasm.brotli} | ${(v.wasm.gzip - base.wasm.gzip >= 0 ? "+" : "") + (v.wasm.gzip - base.wasm.gzip)} | ${v.glue.gzip} |`),
      "",
    );
  } else {
    lines.push("(rustc opt-level experiments: `npm run bench -- --experiments`.)", "");
  }
  return lines;
}

function findingsSection(r) {
  const w = r.wasm;
  if (!w?.named) return [];
  const owner = (n) => w.named.owners.find((o) => o.name === n)?.bytes ?? 0;
  const item = (re) => w.named.top.concat(w.named.topAll ?? []).find((i) => re.test(i.name))?.shallow_size ?? 0;
  const fmt = w.named.fmtBytes ?? 0;
  const wasmGzip = r.size?.stepup?.parts.find((p) => p.name.endsWith(".wasm"))?.gzip;
  const gzipPerByte = wasmGzip ? wasmGzip / w.named.total : 0.42;
  const est = (bytes) => `≈ ${kb(bytes * gzipPerByte)} KiB gzip at the wasm's average ${(gzipPerByte * 100).toFixed(0)} %`;
  const noOpt = w.wasmOpt?.find((v) => v.name.startsWith("no wasm-opt"));
  const build = w.wasmOpt?.find((v) => v.name.includes("npm run build"));
  const best = w.wasmOpt?.slice().sort((a, b) => a.wasm.gzip - b.wasm.gzip)[0];
  const lines = [
    "## Size: findings and what could be done",
    "",
    "- **The code is the size.** wasm-opt settings move the gzip size by a few per cent" +
      (noOpt && build ? ` (here: wasm-opt -Oz makes the wasm ${kb(noOpt.wasm.raw - build.wasm.raw)} KiB smaller raw but ${noOpt.wasm.gzip > build.wasm.gzip ? kb(noOpt.wasm.gzip - build.wasm.gzip) + " KiB smaller" : kb(build.wasm.gzip - noOpt.wasm.gzip) + " KiB larger"} gzipped; the smallest gzip was \`${best.name}\` at ${best.wasm.gzip} B)` : "") +
      "." + (w.optLevels?.length > 1
        ? ` Against Cargo.toml's release profile: ${w.optLevels.slice(1).map((v) => { const d = (v.wasm.gzip / w.optLevels[0].wasm.gzip - 1) * 100; return `${v.name} is ${Math.abs(d).toFixed(1)} % ${d >= 0 ? "larger" : "smaller"} gzipped (${d >= 0 ? "+" : "−"}${Math.abs(v.wasm.gzip - w.optLevels[0].wasm.gzip)} B)`; }).join(", ")}.`
        : "") + " What would shrink it is linking less:",
    `- **SHA-2: ${owner("stepup::core::sha")} B** (\`core::sha\`: SHA-256 for PKCE, \`at_hash\` and DPoP's \`ath\` and thumbprint, all needed`,
    "  synchronously; SHA-384/512 only for `at_hash` of *384/*512 tokens, algorithms off by default). WebCrypto's digest",
    "  is async, and `validateIdTokenClaims` (with its `accessToken` check) is a synchronous export, so they stay.",
    `- **Async state machines**: every \`async fn\` and block is its own future with its own poll, drop glue and panic`,
    "  location (100-300 B shipped each, bench/size-ledger.md, fourth pass). The largest items above are the flows'",
    "  (`fetch`, `handleRedirectCallback`, the passkey ceremony, `create`, the refresh). One driver per flow kind, with",
    "  sync steps around one shared await path, is what is left to do.",
    `- **Panic and formatting machinery: formatting code (\`fmt\`) ${fmt} B, panic locations ${w.panicLocationBytes ?? "?"} B of file paths (${w.panicLocationFiles ?? "?"} files)**`,
    "  in this analysis, which takes rustc's output without the npm build's own steps. rustc keeps them although",
    "  `panic = \"abort\"` and the library avoids panicking calls: wasm-bindgen's and js-sys's own `RefCell` and `expect`",
    "  checks, and the `async fn resumed after completion` check each future carries. The npm build removes most of it",
    "  on the stable toolchain (`scripts/unreachable-formatting.mjs`): std's `Display` functions that nothing can call",
    "  become `unreachable`, and, the panic handler trapping at once, so do core's panicking functions (each call site",
    "  then traps without building a message), and the locations' records and file names are blanked in the data. It",
    "  also lists the functions in an order gzip compresses better (`scripts/order-functions.mjs`, about 1 KiB), which",
    "  the wasm-opt variants above do not.",
    `- **Data: ${owner("(data: string literals, tables)")} B**: mostly the English error messages (the \`message\` of every StepUpError),`,
    "  JSON member names and the 43 error codes. Kept on purpose.",
    `- **Allocator: lol_alloc ${owner("lol_alloc")} B** (its free list; Rust's default dlmalloc was a few KiB more).`,
    "- Nothing else dominates: the remaining bytes are spread over stepup's own modules (flows, WebAuthn JSON",
    "  conversion, discovery, claims), each 2–12 KiB.",
  ];
  return lines;
}

export function writeReport(r, { notes = [] } = {}) {
  const m = r.machine;
  return [
    "# stepup benchmark results",
    "",
    `Written by \`npm run bench\` (scripts/bench.mjs, bench/lib/) on ${m.date}: one run, one machine. Re-run to refresh; the`,
    "numbers move with the machine and its load, the ratios much less.",
    "",
    "## Machine",
    "",
    `- CPU: ${m.cpu}, nproc ${m.nproc}, ${m.memGiB} GiB; shared with other work: load average ${m.loadStart.map((x) => x.toFixed(2)).join(" / ")} (1/5/15 min) at start, ${m.loadEnd.map((x) => x.toFixed(2)).join(" / ")} at the end`,
    `- Browser: ${m.browser}; Node ${m.node}`,
    `- stepup at commit ${m.commit}${m.dirty ? " (with uncommitted changes under src/ or Cargo.*)" : ""}, built by \`npm run build\` (release, opt-level "z" and the dependencies at 3, LTO, wasm-opt --flatten --rereloop -Oz twice then --converge, one-caller inlining up to 20 B, the functions ordered for gzip)`,
    `- Others as installed from npm: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `- N: ${r.runs} cold-start loads per library, ${r.roundtripRuns} popup round trips per library${r.quick ? " (--quick run: too few for conclusions)" : ""}; the whole run took ${m.seconds} s`,
    "",
    ...sizeSection(r), "",
    ...coldSection(r), "",
    ...tokenSection(r), "",
    ...roundtripSection(r), "",
    ...checksSection(r), "",
    ...wasmSection(r),
    ...guardSection(r), "",
    ...findingsSection(r), "",
    ...notes,
  ].join("\n") + "\n";
}
