// A tiny JSON file store for enrolled factors, keyed by user. One file, rewritten atomically
// (write to a temp file, then rename) so a crash never leaves half a file behind. What survives a
// restart lives here: passkeys, the TOTP secret, the phone, the push device, hashes of recovery
// codes, and hashes of remembered devices (the confidence-score policy's "known device" signal).
//
// A user record:
//   { seeded, passkeys: [...], totp?: {secret, createdAt, usedSteps?}, phone?: {number, createdAt},
//     push?: {device, createdAt}, recoveryCodes?: [{hash, usedAt}], devices?: [{hash, createdAt, lastSeenAt}] }
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * @param {string} dataDir folder of factors.json
 * @param {object} [seed] per user, factors to enroll the first time the store sees the user
 *   (e.g. `{ alice: { totp: { secret } } }`); a user removing one later is not re-seeded.
 */
export function openStore(dataDir, seed = {}) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "factors.json");
  let data = { users: {} };
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
    if (typeof data !== "object" || data === null || typeof data.users !== "object" || data.users === null) data = { users: {} };
  } catch (err) {
    if (err.code !== "ENOENT") throw new Error(`factor store ${file} is not valid JSON (${err.message}); fix or delete it`);
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

  // Seed once per user: a store written before seeding existed (passkeys only) gets the missing
  // factors too, but a factor the user removed stays removed (`seeded` is set).
  let seeded = false;
  const now = new Date().toISOString();
  for (const [name, factors] of Object.entries(seed)) {
    const u = user(name);
    if (u.seeded) continue;
    for (const [key, value] of Object.entries(factors ?? {})) u[key] ??= { ...value, createdAt: now };
    u.seeded = true;
    seeded = true;
  }
  if (seeded) save();

  const copy = (value) => (value === undefined ? undefined : structuredClone(value));

  return {
    file,
    /** A copy of the user's record (empty when unknown). */
    get: (name) => copy(data.users[name]) ?? { passkeys: [] },
    /** Change the user's record in `fn(record)`, then write the file. Returns fn's result. */
    update(name, fn) {
      const result = fn(user(name));
      save();
      return result;
    },
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
