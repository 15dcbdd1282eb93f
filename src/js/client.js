// The npm package's StepUpClient: a handle on a client that the wasm keeps by id (src/js/client.rs). scripts/build.mjs
// appends this file to the wasm-bindgen glue (pkg/stepup.js), where the client… functions it calls are module-private.
const token = Symbol();
const unreachable = new FinalizationRegistry((id) => clientFree(id));

export class StepUpClient {
  #id;

  constructor(key, id) {
    if (key !== token) throw new TypeError("StepUpClient.create(config) makes a client");
    this.#id = id;
    unreachable.register(this, id, this);
  }

  static create(config) {
    return clientCreate(config).then((id) => new StepUpClient(token, id));
  }

  free() {
    unreachable.unregister(this);
    clientFree(this.#id);
    this.#id = 0;
  }

  loginWithPopup(options) {
    return clientLoginWithPopup(this.#id, options);
  }

  loginWithRedirect(options) {
    return clientLoginWithRedirect(this.#id, options);
  }

  handleRedirectCallback(url) {
    return clientHandleRedirectCallback(this.#id, url);
  }

  requireStepUp(policy, options) {
    return clientRequireStepUp(this.#id, policy, options);
  }

  fetch(input, init) {
    return clientFetch(this.#id, input, init);
  }

  dpopProof(method, url, options) {
    return clientDpopProof(this.#id, method, url, options);
  }

  get dpopThumbprint() {
    return clientDpopThumbprint(this.#id);
  }

  getAccessToken(options) {
    return clientGetAccessToken(this.#id, options);
  }

  onSessionChange(listener) {
    return clientOnSessionChange(this.#id, listener);
  }

  get session() {
    return clientSession(this.#id);
  }

  logout(options) {
    return clientLogout(this.#id, options);
  }
}
if (Symbol.dispose) StepUpClient.prototype[Symbol.dispose] = StepUpClient.prototype.free;
