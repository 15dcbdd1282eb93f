// In-memory storage for oidc-provider, one per dev IdP instance. oidc-provider's own memory
// adapter is a module-wide LRU of 1000 entries shared by every Provider in the process; tests
// start several providers (and key rotation builds a new Provider over the same storage), so
// each IdP gets its own unbounded Map, dropped on close().
const grantable = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

export function createMemoryAdapter() {
  const items = new Map(); // key -> { payload, expiresAt }
  const now = () => Math.floor(Date.now() / 1000);
  const get = (key) => {
    const item = items.get(key);
    if (!item) return undefined;
    if (item.expiresAt && item.expiresAt <= now()) {
      items.delete(key);
      return undefined;
    }
    return item.payload;
  };
  const set = (key, payload, expiresIn) => items.set(key, { payload, expiresAt: expiresIn ? now() + expiresIn : undefined });

  class MemoryAdapter {
    constructor(model) {
      this.model = model;
    }
    key(id) {
      return `${this.model}:${id}`;
    }
    async upsert(id, payload, expiresIn) {
      set(this.key(id), { ...payload }, expiresIn);
      if (grantable.has(this.model) && payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        const list = get(grantKey) ?? [];
        list.push(this.key(id));
        set(grantKey, list, expiresIn);
      }
      if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn);
      if (payload.uid) set(`sessionUid:${payload.uid}`, id, expiresIn);
    }
    async find(id) {
      return get(this.key(id));
    }
    async findByUid(uid) {
      const id = get(`sessionUid:${uid}`);
      return id === undefined ? undefined : this.find(id);
    }
    async findByUserCode(userCode) {
      const id = get(`userCode:${userCode}`);
      return id === undefined ? undefined : this.find(id);
    }
    async consume(id) {
      const payload = get(this.key(id));
      if (payload) payload.consumed = now();
    }
    async destroy(id) {
      items.delete(this.key(id));
    }
    async revokeByGrantId(grantId) {
      for (const key of get(`grant:${grantId}`) ?? []) items.delete(key);
      items.delete(`grant:${grantId}`);
    }
  }
  MemoryAdapter.clear = () => items.clear();
  return MemoryAdapter;
}
