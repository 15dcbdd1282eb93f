// Tiny rendering helpers: an `html` tagged template that escapes every interpolation (so claims
// from a token can never inject markup), and `mount` to put the result into an element.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

class Safe {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

function render(value) {
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** html`<p>${untrusted}</p>`: interpolations are escaped; nested html`` and arrays are kept. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new Safe(out);
}

/** Replace the content of the element with id `id`. */
export function mount(id, content) {
  const el = typeof id === "string" ? document.getElementById(id) : id;
  if (el) el.innerHTML = render(content);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** "3 min 12 s", "45 s", "2 h 5 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const money = (amount, currency = "EUR") =>
  new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(amount);

export const nowSeconds = () => Math.floor(Date.now() / 1000);
