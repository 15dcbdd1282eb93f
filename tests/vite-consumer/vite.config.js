import { defineConfig } from "vite";

export default defineConfig({
  // Dev server only, and optional with Vite 8 (tests/e2e/vite.test.mjs runs the dev server with and
  // without it): keeps the dependency pre-bundler away from stepup, so `new URL("stepup_bg.wasm",
  // import.meta.url)` in its glue keeps pointing next to stepup.js. Vite versions whose pre-bundler does
  // not rewrite that URL move the glue to node_modules/.vite/deps/ and the wasm request 404s there.
  // `vite build` needs no setting.
  optimizeDeps: { exclude: ["stepup"] },
  build: {
    target: "es2022", // top-level await in the app (await init())
    rollupOptions: {
      // Two pages: the app, and the popup's callback page (handlePopupCallback).
      input: { main: "index.html", popup: "popup-callback.html" },
    },
  },
});
