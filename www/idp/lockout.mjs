// Brute-force lockout for secrets a user types: after `attempts` failures in a row, the key (a
// user's password, a user's authenticator app) is locked for `ms`, and even the right answer is
// refused until then. A success resets the count; failures older than `ms` are forgotten.
// In memory: a restart unlocks everything (this is a development provider).

export const LOCKOUT_ATTEMPTS = 5;
export const LOCKOUT_MS = 5 * 60_000;
const MAX_KEYS = 10_000;

/**
 * @param {object} [o]
 * @param {number} [o.attempts=5] failures in a row that lock
 * @param {number} [o.ms=300000] how long a lock lasts
 * @param {() => number} [o.now=Date.now]
 */
export function createLockout({ attempts = LOCKOUT_ATTEMPTS, ms = LOCKOUT_MS, now = Date.now } = {}) {
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`lockout attempts must be a positive integer, not ${attempts}`);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`lockout ms must be a number of milliseconds >= 0, not ${ms}`);
  const entries = new Map(); // key -> { failures, last, lockedUntil }

  function current(key) {
    const e = entries.get(key);
    if (!e) return undefined;
    const t = now();
    if ((e.lockedUntil && t >= e.lockedUntil) || (!e.lockedUntil && t - e.last >= ms)) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }

  return {
    attempts,
    ms,
    /** Milliseconds until `key` unlocks; 0 when it is not locked. */
    lockedFor(key) {
      const e = current(key);
      return e?.lockedUntil ? e.lockedUntil - now() : 0;
    },
    /** Count a failure; returns the tries left before the lock (0: locked now). */
    fail(key) {
      const e = current(key) ?? { failures: 0, last: 0, lockedUntil: 0 };
      if (e.lockedUntil) return 0;
      e.failures += 1;
      e.last = now();
      if (e.failures >= attempts) e.lockedUntil = e.last + ms;
      entries.delete(key);
      entries.set(key, e);
      // Bounded: the keys failed longest ago are forgotten first (any name can be typed).
      if (entries.size > MAX_KEYS) entries.delete(entries.keys().next().value);
      return Math.max(0, attempts - e.failures);
    },
    succeed(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}

/** "4 minutes" / "1 minute" / "20 seconds": how long until a lock ends, for a page. */
export function waitText(ms) {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
