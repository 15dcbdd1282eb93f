// The token inspector: the session's auth context (acr and each amr value with its RFC 8176 meaning,
// auth_time and its age: those of the last interactive sign-in, which a token renewal never changes),
// the current ID token's header and claims (decodeJwt), and the transfer policy's decision with its
// reasons (evaluateStepUp on that context). The static part is drawn when the session changes; the clock-driven
// part (ages, decision) every second, so open <details> stay open.
import { $, duration, html, mount, nowSeconds } from "./dom.mjs";
import { acrMeaning, amrMeaning, MFA_ACR, REASONS } from "./meanings.mjs";

const json = (value) => JSON.stringify(value, null, 2);
const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString("en-GB");

function decodeOrNull(decodeJwt, token) {
  if (!token) return null;
  try {
    return decodeJwt(token);
  } catch {
    return null; // an opaque access token (not a JWT) is fine
  }
}

/**
 * @param {object} o
 * @param {Function} o.decodeJwt from the stepup package
 * @param {Function} o.evaluateStepUp from the stepup package
 * @param {object} o.policy the policy of sensitive actions, e.g. { mfa: true, maxAge: 300 }
 * @param {() => string | undefined} o.dpopThumbprint the client's DPoP key thumbprint (RFC 7638), when it uses DPoP
 */
export function createInspector({ decodeJwt, evaluateStepUp, policy, dpopThumbprint }) {
  const policyText = `{ ${Object.entries(policy).map(([k, v]) => `${k}: ${v}`).join(", ")} }`;
  let current = null; // { session, claims }
  let lastVerdict; // the decision last drawn, to redraw (and announce) only on change

  /** Draw the inspector for `session` (or the empty state); `renewedAt`: when its access token was last renewed. */
  function render(session, { renewedAt } = {}) {
    if (!session) {
      current = null;
      mount("inspector-body", html`<p class="empty" id="inspector-empty">No ID token yet. Sign in and its claims appear here:
        how you signed in (<code>amr</code>), at which level (<code>acr</code>) and when (<code>auth_time</code>).</p>`);
      return;
    }
    const id = decodeJwt(session.idToken);
    const access = decodeOrNull(decodeJwt, session.accessToken);
    const claims = id.claims;
    // The context of the interactive sign-in: a refreshed ID token may lack amr (as Auth0's do).
    const context = { acr: session.acr, amr: session.amr ?? [], auth_time: session.authTime, exp: claims.exp };
    current = { session, claims: context };
    const amr = context.amr;
    const strong = context.acr === MFA_ACR || amr.includes("mfa");
    mount("inspector-body", html`
      <p class="level ${strong ? "strong" : "weak"}" id="level">${strong ? "Multi-factor sign-in" : "Password-level sign-in"}</p>
      <dl class="facts">
        <dt>acr</dt>
        <dd><code id="acr">${context.acr ?? "—"}</code><small>${acrMeaning(context.acr)}</small></dd>
        <dt>amr</dt>
        <dd><ul class="chips" id="amr">${amr.length ? amr.map((value) => {
          const { meaning, category } = amrMeaning(value);
          return html`<li data-amr="${value}" class="cat-${category}"><code>${value}</code><span>${meaning}${category === "other" ? "" : html`<em>${category}</em>`}</span></li>`;
        }) : html`<li class="none">none</li>`}</ul></dd>
        <dt>auth_time</dt>
        <dd>${typeof context.auth_time === "number"
          ? html`<time id="auth-time" datetime="${new Date(context.auth_time * 1000).toISOString()}">${clock(context.auth_time)}</time> <span id="auth-age" class="age"></span>`
          : html`<span id="auth-time">not in the token</span>`}</dd>
        <dt>exp</dt>
        <dd>${typeof claims.exp === "number" ? html`${clock(claims.exp)} <span id="exp-in" class="age"></span>` : "—"}</dd>
        ${dpopFacts(session, access)}
      </dl>
      <p class="muted" id="context">Context from the sign-in at ${typeof context.auth_time === "number" ? clock(context.auth_time) : "—"} (${amr.join(" + ") || "no amr"})${renewedAt ? html`; access token renewed at <time id="renewed-at">${clock(renewedAt)}</time>` : ""}.</p>
      <section id="decision" class="decision" aria-live="polite"></section>
      <details class="raw"><summary>ID token header</summary><pre id="id-header">${json(id.header)}</pre></details>
      <details class="raw"><summary>ID token claims</summary><pre id="id-claims">${json(claims)}</pre></details>
      ${access ? html`<details class="raw"><summary>Access token claims <small>(what the API checks)</small></summary><pre id="at-claims">${json(access.claims)}</pre></details>` : ""}
    `);
    lastVerdict = undefined;
    tick();
  }

  /** DPoP (RFC 9449): the key's thumbprint and the access token's `cnf.jkt`, which must be the same. */
  function dpopFacts(session, access) {
    const jkt = dpopThumbprint?.();
    if (!jkt) return html`<dt>token type</dt><dd><code id="token-type">${session.tokenType ?? "—"}</code><small>a bearer token: whoever holds it can use it</small></dd>`;
    const cnf = access?.claims?.cnf?.jkt;
    return html`
      <dt>token type</dt><dd><code id="token-type">${session.tokenType ?? "—"}</code><small>bound to a key this browser holds (DPoP)</small></dd>
      <dt>DPoP key</dt><dd><code id="dpop-jkt">${jkt}</code><small>thumbprint of the key pair; its private key cannot be read, not even by this page</small></dd>
      <dt>cnf.jkt</dt><dd><code id="cnf-jkt">${cnf ?? "—"}</code><small id="cnf-match">${cnf === jkt ? "the access token names this key: without it, the token is refused" : "does not name this key"}</small></dd>`;
  }

  /** The parts that change with the clock. */
  function tick() {
    if (!current) return;
    const { claims } = current;
    const now = nowSeconds();
    const age = $("#auth-age");
    if (age && typeof claims.auth_time === "number") age.textContent = `${duration(now - claims.auth_time)} ago`;
    const exp = $("#exp-in");
    if (exp && typeof claims.exp === "number") exp.textContent = claims.exp > now ? `in ${duration(claims.exp - now)}` : "expired";
    const box = $("#decision");
    if (!box) return;
    let decision;
    try {
      decision = evaluateStepUp(claims, policy);
    } catch (err) {
      mount(box, html`<p>Cannot evaluate this token: ${err.code ?? err.message}</p>`);
      return;
    }
    const left = typeof claims.auth_time === "number" ? policy.maxAge - (now - claims.auth_time) : 0;
    const countdown = $("#mfa-left");
    // Redraw only when the verdict changes (aria-live announces each redraw); else move the clock.
    const verdict = JSON.stringify(decision);
    if (verdict === lastVerdict && (!decision.satisfied || countdown)) {
      if (countdown) countdown.textContent = duration(left);
      return;
    }
    lastVerdict = verdict;
    box.dataset.satisfied = String(decision.satisfied);
    box.className = `decision ${decision.satisfied ? "ok" : "no"}`;
    mount(box, html`
      <h3>Policy of sensitive actions <code>${policyText}</code></h3>
      ${decision.satisfied
        ? html`<p class="verdict" id="verdict"><strong>Satisfied.</strong> Transfers go through without a prompt for another <span id="mfa-left">${duration(left)}</span>.</p>`
        : html`<p class="verdict" id="verdict"><strong>Step-up needed.</strong> The next transfer asks for a second factor:</p>
          <ul id="reasons">${decision.reasons.map((r) => html`<li data-reason="${r}"><code>${r}</code> ${REASONS[r] ?? ""}</li>`)}</ul>
          <p class="asks">stepup will send <code>acr_values=${(decision.acrValues ?? []).join(" ") || "—"}</code>${decision.maxAge !== undefined ? html` and <code>max_age=${decision.maxAge}</code>` : ""}.</p>`}
    `);
  }

  return { render, tick };
}
