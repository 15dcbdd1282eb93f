// The page's fixed structure, drawn once. Dynamic parts are filled by app.mjs into the elements
// with ids (user-area, balance, activity, inspector-body, error, …); forms stay put, so what the
// user typed survives every redraw.
import { html } from "./dom.mjs";

const lock = html`<svg class="icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M10 2a4 4 0 0 0-4 4v2H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-1V6a4 4 0 0 0-4-4Zm-2 6V6a2 2 0 1 1 4 0v2H8Z"/></svg>`;

/** `dpop`: the DPoP switch is on, so the API's challenges come under the `DPoP` scheme (RFC 9449 §7.1). */
export function shell({ dpop = false } = {}) {
  const scheme = dpop ? "DPoP" : "Bearer";
  return html`
  <a class="skip" href="#main">Skip to content</a>
  <header class="topbar">
    <a class="logo" href="/" aria-label="Stepup Bank, home"><img src="/favicon.svg" alt="" width="28" height="28"><span>Stepup Bank</span></a>
    <span class="tag">step-up authentication demo</span>
    <span class="spacer"></span>
    <fieldset class="segmented" id="mode" title="How the identity provider's page opens">
      <legend class="sr-only">Sign-in window</legend>
      <input type="radio" name="mode" value="popup" id="mode-popup"><label for="mode-popup">Popup</label>
      <input type="radio" name="mode" value="redirect" id="mode-redirect"><label for="mode-redirect">Redirect</label>
    </fieldset>
    <label class="toggle" title="Bind the tokens to a key that never leaves this browser (RFC 9449). Changing it reloads the page and signs you out.">
      <input type="checkbox" id="dpop"> DPoP
    </label>
    <div class="user" id="user-area"></div>
  </header>

  <div class="banner" id="error" role="alert" hidden></div>

  <main id="main" class="layout">
    <div class="col">
      <section class="card hero" id="signed-out">
        <h1>Strong sign-in, only when it matters.</h1>
        <p class="lead">Sign in with a password to see your balance. Moving money asks for a second factor,
        but only if your last one is older than 5 minutes. That is <em>step-up authentication</em>, done by the
        <code>stepup</code> package: Rust compiled to WebAssembly.</p>
        <button class="primary large" data-action="signin" data-needs-client disabled id="sign-in-hero" type="button">Sign in</button>
        <label class="keep"><input type="checkbox" id="keep"> <span>Keep me signed in</span>
          <small class="muted">(<code>cacheLocation: "localStorage"</code>, <code>useRefreshTokens: true</code>)</small></label>
        <div id="intro-extra"></div>
      </section>

      <div id="signed-in" hidden>
        <section class="card balance-card" aria-labelledby="balance-title">
          <div>
            <h2 id="balance-title">Current account</h2>
            <p class="balance" id="balance" aria-live="polite">—</p>
            <p class="muted">Payout account <span id="payout-current" class="mono">—</span></p>
          </div>
          <button class="ghost small" data-action="refresh" data-needs-session disabled type="button" id="refresh">Refresh</button>
        </section>

        <div class="pair">
          <section class="card" aria-labelledby="transfer-title">
            <h2 id="transfer-title">${lock} Transfer</h2>
            <p class="muted">Needs a second factor from the last 5 minutes.</p>
            <form id="transfer-form" novalidate>
              <label for="to">To</label>
              <input id="to" name="to" autocomplete="off" placeholder="e.g. Bob's Bikes" aria-describedby="to-error" required>
              <span class="field-error" id="to-error" aria-live="polite"></span>
              <label for="amount">Amount (EUR)</label>
              <input id="amount" name="amount" type="number" min="0.01" step="0.01" inputmode="decimal" placeholder="e.g. 25.00" aria-describedby="amount-error" required>
              <span class="field-error" id="amount-error" aria-live="polite"></span>
              <button class="primary" id="transfer" type="submit" data-needs-session disabled>Send money</button>
            </form>
          </section>

          <section class="card" aria-labelledby="payout-title">
            <h2 id="payout-title">${lock} Payout account</h2>
            <p class="muted">Where your earnings go. Changing it needs a second factor too.</p>
            <form id="payout-form" novalidate>
              <label for="iban">New IBAN</label>
              <input id="iban" name="iban" autocomplete="off" spellcheck="false" placeholder="GB82 WEST 1234 5698 7654 32" aria-describedby="iban-error" required>
              <span class="field-error" id="iban-error" aria-live="polite"></span>
              <button class="primary" id="change-payout" type="submit" data-needs-session disabled>Change payout account</button>
            </form>
          </section>
        </div>

        <section class="card" aria-labelledby="rfc-title">
          <h2 id="rfc-title">Let the API ask (RFC 9470)</h2>
          <p class="muted">Here the app does not check anything first: <code>client.fetch</code> sends your access token${dpop
            ? html` as <code>Authorization: DPoP</code> with a proof of this browser's key`
            : ""}. If it is too weak the API answers <code>401</code> with
          <code>WWW-Authenticate: <span id="rfc-scheme">${scheme}</span> error="insufficient_user_authentication", acr_values=…, max_age=300</code>;
          stepup steps up in a popup and retries once.</p>
          <div class="buttons">
            <button class="primary" data-action="api-transfer" data-needs-session disabled id="api-transfer" type="button">Send €1 through client.fetch</button>
            <button class="ghost" data-action="peek" data-needs-session disabled id="peek-challenge" type="button">Show the API's challenge</button>
          </div>
          <div class="challenge" id="challenge" hidden aria-live="polite"></div>
        </section>
      </div>

      <section class="card" aria-labelledby="activity-title">
        <h2 id="activity-title">Activity</h2>
        <ol class="activity" id="activity" aria-live="polite"></ol>
      </section>
    </div>

    <aside class="card inspector" id="inspector" aria-labelledby="inspector-title">
      <h2 id="inspector-title">Token inspector</h2>
      <div id="inspector-body"></div>
      <p class="support" id="support"></p>
    </aside>
  </main>

  <footer class="footer">
    <p><span id="footer-links"></span><a href="https://www.rfc-editor.org/rfc/rfc9470" rel="noopener">RFC 9470</a> ·
    <a href="https://www.rfc-editor.org/rfc/rfc8176" rel="noopener">RFC 8176</a> ·
    Tokens live in this page's memory unless you tick "Keep me signed in" (then in localStorage, with a
    refresh token: a reload keeps you signed in, every tab shares the session, and signing out in one signs out all).</p>
  </footer>`;
}
