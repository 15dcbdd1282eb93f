// Cold start in Chromium: a fresh browser context per load (empty HTTP cache, no compiled-code cache;
// the server also sends no-store), the page imports the library chunk and start()s it (stepup: init()
// fetching + compiling the wasm, then StepUpClient.create with the metadata given; the others: their
// client constructor). The libraries take turns, load by load, so machine noise spreads over all of them.
import { serveStatic } from "../../tests/e2e/harness.mjs";
import { median, quartiles } from "./stats.mjs";

export async function coldStart(browser, sites, { runs = 30, log = () => {} } = {}) {
  const servers = {};
  for (const [entry, { dir }] of Object.entries(sites)) servers[entry] = await serveStatic({ mounts: { "/": dir } });
  const samples = Object.fromEntries(Object.keys(sites).map((e) => [e, []]));
  try {
    // One warm-up round, not counted (first process start, disk cache).
    for (let round = -1; round < runs; round++) {
      for (const entry of Object.keys(sites)) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${servers[entry].url}/index.html`);
        const r = await page.waitForFunction(() => window.__bench, null, { timeout: 20000, polling: 5 }).then((h) => h.jsonValue());
        await context.close();
        if (round >= 0) samples[entry].push(r);
      }
      if (round % 10 === 9) log(`cold start: ${round + 1}/${runs} rounds`);
    }
  } finally {
    for (const s of Object.values(servers)) await s.close();
  }
  const out = {};
  for (const [entry, xs] of Object.entries(samples)) {
    out[entry] = {
      n: xs.length,
      import: median(xs.map((x) => x.import)),
      start: median(xs.map((x) => x.start)),
      startAndImport: median(xs.map((x) => x.import + x.start)),
      iqr: quartiles(xs.map((x) => x.import + x.start)),
      ready: median(xs.map((x) => x.ready)),
    };
  }
  return out;
}
