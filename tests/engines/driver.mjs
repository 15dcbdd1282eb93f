// One small page-driver interface over three engines, so tests/engines/engines.test.mjs asserts the same things in
// each: Chromium through playwright-core (as tests/e2e/), Firefox ESR through puppeteer-core over WebDriver BiDi, and
// WebKitGTK through selenium-webdriver and WebKitWebDriver (under Xvfb when no display is set). Every browser is the
// Debian build on this machine; paths come from CHROME_PATH, FIREFOX_PATH and WEBKIT_DRIVER when set.
//
//   engine   = await launchEngine("firefox")    { name, version, newContext(), close() }
//   context  = await engine.newContext()        { newPage(), popup(opener, action), close() }: own cookies and storage
//   page     = await context.newPage()          { goto, evaluate, waitFor, click, fill, url, isClosed, close, reload }
//
// What the three share is what a page can do by itself; nothing here intercepts requests (what the servers saw is
// read from their own logs). `evaluate(fn, arg)` runs `fn(arg)` in the page and awaits it; keep it short (WebDriver
// classic runs one command at a time per session), and start anything long with runIn()/result().
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { launchBrowser } from "../e2e/harness.mjs";

export const ENGINE_NAMES = ["chromium", "firefox", "webkit"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `check()` every 50 ms until it returns a truthy value (returned), or throw `what` after `timeout` ms. */
async function poll(check, timeout, what) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(50);
  }
}

export async function launchEngine(name) {
  if (name === "chromium") return chromium();
  if (name === "firefox") return firefox();
  if (name === "webkit") return webkit();
  throw new Error(`unknown engine ${name}: one of ${ENGINE_NAMES.join(", ")}`);
}

// ---- Chromium: playwright-core, the harness's launch (popup blocker on) ----

async function chromium() {
  const browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
  const wrap = (p) => ({
    goto: (url) => p.goto(url).then(() => {}),
    evaluate: (fn, arg) => p.evaluate(fn, arg),
    waitFor: (fn, arg, timeout = 15000) => p.waitForFunction(fn, arg, { timeout, polling: 50 }).then(() => {}),
    click: (sel) => p.click(sel),
    fill: (sel, text) => p.fill(sel, text),
    url: async () => p.url(),
    isClosed: async () => p.isClosed(),
    close: () => p.close(),
    reload: () => p.reload().then(() => {}),
  });
  return {
    name: "chromium",
    version: `Chromium ${browser.version()}`,
    async newContext() {
      const context = await browser.newContext();
      return {
        newPage: async () => wrap(await context.newPage()),
        async popup(opener, action) {
          const opened = context.waitForEvent("page", { timeout: 10000 });
          await action();
          return wrap(await opened);
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- Firefox ESR: puppeteer-core over WebDriver BiDi ----

async function firefox() {
  const { default: puppeteer } = await import("puppeteer-core");
  const executablePath = process.env.FIREFOX_PATH || "/usr/bin/firefox-esr";
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath,
    headless: true,
    // puppeteer turns Firefox's popup blocker off; these tests need it as people have it.
    extraPrefsFirefox: { "dom.disable_open_during_load": true },
  });
  const wrap = (p) => ({
    raw: p,
    goto: (url) => p.goto(url).then(() => {}),
    evaluate: (fn, arg) => p.evaluate(fn, arg),
    waitFor: (fn, arg, timeout = 15000) => p.waitForFunction(fn, { timeout, polling: 50 }, arg).then(() => {}),
    click: (sel) => p.click(sel),
    fill: (sel, text) => p.locator(sel).fill(text),
    url: async () => p.url(),
    isClosed: async () => p.isClosed(),
    close: () => p.close(),
    reload: () => p.reload().then(() => {}),
  });
  return {
    name: "firefox",
    version: (await browser.version()).replace("firefox/", "Firefox "),
    async newContext() {
      const context = await browser.createBrowserContext();
      return {
        newPage: async () => wrap(await context.newPage()),
        async popup(opener, action) {
          let timer;
          const opened = new Promise((ok, ko) => {
            opener.raw.once("popup", ok);
            timer = setTimeout(() => ko(new Error("no popup within 10 s")), 10000);
          });
          await action();
          try {
            return wrap(await opened);
          } finally {
            clearTimeout(timer);
          }
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- WebKitGTK: selenium-webdriver and WebKitWebDriver (MiniBrowser), one WebDriver session per context ----

const freePort = () => new Promise((ok, ko) => {
  const s = createServer();
  s.on("error", ko);
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});

async function webkit() {
  const { Builder, By } = await import("selenium-webdriver");
  const driverPath = process.env.WEBKIT_DRIVER || "/usr/bin/WebKitWebDriver";
  if (!existsSync(driverPath)) throw new Error(`WebKitWebDriver not found at ${driverPath} (Debian: webkit2gtk-driver)`);
  const port = await freePort();
  // MiniBrowser needs a display: Xvfb through xvfb-run unless one is given. Its own process group, ended at close().
  const args = [`--port=${port}`, "--replace-on-new-session"];
  const [cmd, cmdArgs] = process.env.DISPLAY ? [driverPath, args] : ["xvfb-run", ["-a", driverPath, ...args]];
  const service = spawn(cmd, cmdArgs, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  service.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const server = `http://127.0.0.1:${port}`;
  await poll(() => fetch(`${server}/status`).then((r) => r.ok, () => false), 20000, `WebKitWebDriver on ${server}: ${stderr}`);
  const capabilities = { browserName: "MiniBrowser", "webkitgtk:browserOptions": { args: ["--automation"] } };
  let version = "WebKitGTK";

  async function newContext() {
    const driver = await new Builder().usingServer(server).withCapabilities(capabilities).build();
    version = `WebKitGTK ${(await driver.getCapabilities()).get("browserVersion")}`;
    await driver.manage().setTimeouts({ script: 30000, pageLoad: 30000 });
    // WebDriver classic drives one window at a time: each page command switches to its window first, one at a time.
    let current = await driver.getWindowHandle();
    let unused = current;
    let queue = Promise.resolve();
    const on = (handle, command) => {
      const run = queue.then(async () => {
        if (current !== handle) {
          await driver.switchTo().window(handle);
          current = handle;
        }
        return command();
      });
      queue = run.catch(() => {});
      return run;
    };
    const handles = () => { const h = queue.then(() => driver.getAllWindowHandles()); queue = h.catch(() => {}); return h; };
    const wrap = (handle) => {
      const page = {
        goto: (url) => on(handle, () => driver.get(url)),
        async evaluate(fn, arg) {
          const out = await on(handle, () => driver.executeAsyncScript(
            `const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => (${fn})(arguments[0])).then(
               (v) => done({ v: v === undefined ? null : v }), (e) => done({ e: String(e && e.stack || e) }));`, arg ?? null));
          if (out && "e" in out) throw new Error(`evaluate failed in WebKitGTK: ${out.e}`);
          return out?.v ?? null;
        },
        waitFor: (fn, arg, timeout = 15000) =>
          poll(() => page.evaluate(fn, arg).catch(() => false), timeout, `${fn} in WebKitGTK`).then(() => {}),
        click: (sel) => on(handle, () => driver.findElement(By.css(sel)).click()),
        fill: (sel, text) => on(handle, async () => {
          const field = await driver.findElement(By.css(sel));
          await field.clear();
          await field.sendKeys(text);
        }),
        url: () => on(handle, () => driver.getCurrentUrl()),
        isClosed: async () => !(await handles()).includes(handle),
        close: () => on(handle, async () => {
          await driver.close();
          current = null;
        }),
        reload: () => on(handle, () => driver.navigate().refresh()),
      };
      return page;
    };
    return {
      async newPage() {
        if (unused) {
          const h = unused;
          unused = null;
          return wrap(h);
        }
        const h = await on(current, async () => {
          await driver.switchTo().newWindow("tab");
          current = await driver.getWindowHandle();
          return current;
        });
        return wrap(h);
      },
      async popup(opener, action) {
        const before = await handles();
        await action();
        const h = await poll(async () => (await handles()).find((x) => !before.includes(x)), 10000, "the popup window");
        return wrap(h);
      },
      close: () => driver.quit().catch(() => {}),
    };
  }

  return {
    name: "webkit",
    get version() { return version; },
    newContext,
    async close() {
      try { process.kill(-service.pid, "SIGTERM"); } catch { /* already gone */ }
    },
  };
}

// ---- engine-neutral steps on the test app (tests/e2e/pages/app.html) and the dev identity provider ----

/**
 * Click #go on the test app with `action(arg)` as the click's work (see tests/e2e/harness.mjs click()); returns the
 * index of its outcome in window.outcomes.
 */
export async function click(page, action, arg) {
  const index = await page.evaluate(([src, a]) => {
    // eslint-disable-next-line no-new-func
    const fn = new Function(`return (${src})`)();
    window.nextAction = () => fn(a);
    return window.outcomes.length;
  }, [action.toString(), arg ?? null]);
  await page.click("#go");
  return index;
}

/** Start `action(arg)` in the page without a click and without waiting; its outcome is window.outcomes[index]. */
export async function runIn(page, action, arg) {
  return page.evaluate(([src, a]) => {
    // eslint-disable-next-line no-new-func
    const fn = new Function(`return (${src})`)();
    const i = window.outcomes.length;
    window.outcomes.push({ pending: true });
    Promise.resolve().then(() => fn(a)).then(
      (value) => { window.outcomes[i] = { ok: true, value, at: performance.now() }; },
      (e) => { window.outcomes[i] = { ok: false, code: e?.code, error: e?.error, message: String(e?.message ?? e), acrValues: e?.acrValues, cause: e?.cause === undefined ? undefined : `${e.cause?.name}: ${e.cause?.message ?? e.cause}`, at: performance.now() }; },
    );
    return i;
  }, [action.toString(), arg ?? null]);
}

/** The settled outcome number `i`: `{ ok, value }` or `{ ok: false, code, … }`. */
export async function outcome(page, i, timeout = 30000) {
  await page.waitFor((n) => window.outcomes[n] && !window.outcomes[n].pending, i, timeout);
  return page.evaluate((n) => window.outcomes[n], i);
}

/** Click (see click()) and take the popup the click opens: `{ i, popup }`. */
export async function clickForPopup(context, page, action, arg) {
  let i;
  try {
    const popup = await context.popup(page, async () => { i = await click(page, action, arg); });
    return { i, popup };
  } catch (e) {
    // No popup: say what the click's work ended with (popup_blocked, …) when it has ended.
    const settled = i === undefined ? null : await page.evaluate((n) => window.outcomes[n], i).catch(() => null);
    throw new Error(`${e.message}; the click's outcome: ${JSON.stringify(settled)}`);
  }
}

/** Wait until `p` is on a URL starting with `prefix` (e.g. the provider's, after a click that leaves the page). */
export async function waitForUrl(p, prefix, timeout = 10000) {
  await poll(async () => (await p.url().catch(() => "")).startsWith(prefix), timeout, `a URL starting with ${prefix}`);
}

/**
 * Answer the dev identity provider's pages in `p` (popup or tab): the password page and the TOTP page, until the page
 * closes or, with `stopAt`, reaches a URL starting with it. Returns the pages answered, e.g. ["password", "otp"].
 * Each answered document is marked, so the next page is told from the one just left without navigation events.
 */
export async function signIn(p, idp, { user = "alice", password = "password123", stopAt, timeout = 15000 } = {}) {
  const seen = [];
  for (let step = 0; step < 6; step++) {
    const id = await poll(async () => {
      if (await p.isClosed()) return "closed";
      const s = await p.evaluate(() => ({ url: location.href, id: window.answered ? null : document.querySelector("#password, #otp")?.id ?? null }))
        .catch(() => null); // between documents, or closing
      if (s && stopAt && s.url.startsWith(stopAt)) return "left";
      return s?.id;
    }, timeout, `the provider's page (after ${JSON.stringify(seen)})`);
    if (id === "closed" || id === "left") break;
    seen.push(id);
    await p.evaluate(() => { window.answered = true; });
    if (id === "password") {
      await p.fill("#username", user);
      await p.fill("#password", password);
      await p.click("#login");
    } else {
      await p.fill("#otp", await idp.totp());
      await p.click("#verify");
    }
  }
  return seen;
}

/** Click, sign in at `idp` in the popup the click opens, and return `{ result, pages, popup }`. */
export async function popupSignIn(context, page, idp, action, arg, opts) {
  const { i, popup } = await clickForPopup(context, page, action, arg);
  const pages = await signIn(popup, idp, opts);
  return { result: await outcome(page, i), pages, popup };
}
