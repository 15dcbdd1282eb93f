// A tiny JSON file store for enrolled factors, keyed by user. One file, rewritten atomically
// (write to a temp file, then rename) so a crash never leaves half a file behind.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function openStore(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "factors.json");
  let data = { users: {} };
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
    if (typeof data !== "object" || data === null || typeof data.users !== "object") data = { users: {} };
  } catch (err) {
    if (err.code !== "ENOENT") throw new Error(`factor store ${file} is not valid JSON: ${err.message}`);
  }

  function save() {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 2));
    renameSync(tmp, file);
  }

  function user(name) {
    data.users[name] ??= { passkeys: [] };
    data.users[name].passkeys ??= [];
    return data.users[name];
  }

  return {
    file,
    passkeys: (name) => [...(data.users[name]?.passkeys ?? [])],
    findPasskey(name, id) {
      return data.users[name]?.passkeys?.find((p) => p.id === id);
    },
    addPasskey(name, passkey) {
      user(name).passkeys.push(passkey);
      save();
    },
    updatePasskey(name, id, changes) {
      const p = user(name).passkeys.find((x) => x.id === id);
      if (p) {
        Object.assign(p, changes);
        save();
      }
    },
    removePasskey(name, id) {
      const u = user(name);
      const before = u.passkeys.length;
      u.passkeys = u.passkeys.filter((p) => p.id !== id);
      if (u.passkeys.length !== before) save();
      return u.passkeys.length !== before;
    },
  };
}
