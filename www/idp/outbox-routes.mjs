// The dev outbox on the web: GET /outbox (a page that refreshes itself), GET /outbox/messages
// (JSON, newest first; ?user= and ?channel= filter), POST /outbox/push/:id {decision: approve|deny}.
// Open to anyone who can reach the provider's port: it is a development tool, and it says so.
import { readBody, redirect, sendHtml, sendJson } from "./http.mjs";
import { esc, layout } from "./pages.mjs";

const CHANNEL_NAMES = { email: "Email", sms: "Text message", voice: "Phone call", push: "Push notification" };

function itemHtml(item) {
  const when = new Date(item.createdAt).toLocaleTimeString("en-GB");
  const head = `<div class="meta"><span class="chan">${esc(CHANNEL_NAMES[item.channel])}</span> to <strong>${esc(item.to)}</strong> · ${esc(item.user)} · <time datetime="${esc(item.createdAt)}">${esc(when)}</time></div>`;
  if (item.channel === "push") {
    const actions = item.status === "pending"
      ? `<form method="post" action="/outbox/push/${esc(item.id)}" class="decide">
          <button type="submit" name="decision" value="approve" class="approve">Approve</button>
          <button type="submit" name="decision" value="deny" class="deny secondary">Deny</button></form>`
      : `<span class="pill ${item.status === "approved" ? "on" : ""}">${esc(item.status)}</span>`;
    return `<li data-id="${esc(item.id)}" data-channel="push" data-status="${esc(item.status)}">${head}<p>${esc(item.text)}</p>${actions}</li>`;
  }
  return `<li data-id="${esc(item.id)}" data-channel="${esc(item.channel)}">${head}
    ${item.subject ? `<p class="subject">${esc(item.subject)}</p>` : ""}<p>${esc(item.text)}</p>
    <p>Code: <code class="code" data-code="${esc(item.code)}">${esc(item.code)}</code></p></li>`;
}

export function outboxPage(items) {
  return layout("Dev outbox", `
  <h1>Dev outbox</h1>
  <p class="sub">Email, text messages, phone calls and push notifications of the dev identity provider arrive here
  instead of leaving the machine. This page refreshes itself.</p>
  <ul id="outbox" aria-live="polite">${items.length ? items.map(itemHtml).join("") : `<li id="empty" class="empty">Nothing yet. Choose a text message, call, email or push notification on a sign-in page.</li>`}</ul>
  <script type="module">
    // Refresh the list every 1.5 s; decide pushes without leaving the page.
    const list = document.getElementById("outbox");
    let last = "";
    async function refresh() {
      try {
        const r = await fetch("/outbox/messages" + location.search, { headers: { accept: "application/json" } });
        const text = await r.text();
        if (text !== last) {
          last = text;
          const html = await (await fetch("/outbox/fragment" + location.search)).text();
          list.innerHTML = html;
        }
      } catch { /* provider restarting: try again */ }
      setTimeout(refresh, 1500);
    }
    list.addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const decision = event.submitter?.value;
      await fetch(form.action, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ decision }) });
      last = "";
      refresh();
    });
    refresh();
  </script>
  <style>
    #outbox{list-style:none;padding:0;margin:0;display:grid;gap:10px}
    #outbox li{border:1px solid var(--line);border-radius:12px;padding:12px 14px;background:#fff}
    #outbox li[data-status=pending]{border-color:#a5b4fc;box-shadow:0 0 0 3px #eef2ff}
    #outbox .meta{font-size:.8rem;color:var(--muted)} #outbox .chan{font-weight:700;color:var(--ink)}
    #outbox p{margin:6px 0 0} #outbox .subject{font-weight:600}
    #outbox .code{font-size:1.05rem;font-weight:700;letter-spacing:.12em}
    #outbox .decide{display:flex;gap:8px;margin-top:10px} #outbox .decide button{margin:0;padding:8px 14px;width:auto}
    #outbox .empty{color:var(--muted);text-align:center;border-style:dashed}
  </style>`, { wide: true });
}

export function createOutboxRoutes({ app }) {
  const filters = (url) => ({ user: url.searchParams.get("user") ?? undefined, channel: url.searchParams.get("channel") ?? undefined });
  return async function handle(req, res, url) {
    const path = url.pathname;
    if (path !== "/outbox" && !path.startsWith("/outbox/")) return false;
    if (req.method === "GET" && path === "/outbox") {
      sendHtml(res, 200, outboxPage(app.outbox.list(filters(url))));
      return true;
    }
    if (req.method === "GET" && path === "/outbox/messages") {
      sendJson(res, 200, app.outbox.list(filters(url)));
      return true;
    }
    if (req.method === "GET" && path === "/outbox/fragment") {
      const items = app.outbox.list(filters(url));
      sendHtml(res, 200, items.length ? items.map(itemHtml).join("") : `<li id="empty" class="empty">Nothing yet.</li>`);
      return true;
    }
    const push = /^\/outbox\/push\/([A-Za-z0-9_-]+)$/.exec(path);
    if (req.method === "POST" && push) {
      const body = await readBody(req);
      const { item, error } = app.outbox.decide(push[1], body.decision);
      const wantsJson = (req.headers.accept ?? "").includes("application/json");
      if (wantsJson) sendJson(res, error ? 400 : 200, error ? { error: "invalid_request", message: error } : { id: item.id, status: item.status });
      else if (error) sendHtml(res, 400, layout("Dev outbox", `<h1>Dev outbox</h1><p class="error" id="error" role="alert">${esc(error)}</p><p><a href="/outbox">Back to the outbox</a></p>`));
      else redirect(res, "/outbox");
      return true;
    }
    return false;
  };
}
