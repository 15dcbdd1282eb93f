// The shared DPoP replay store against a real redis-server (Debian's, started here on a unix socket of a fresh
// directory, so no port is taken): two guards sharing it refuse a proof replayed from one to the other, and with
// Redis gone the guard fails closed (503 replay_store_unavailable) and accepts nothing it would need Redis for.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { createClient } from "redis";
import { redisServer } from "../../scripts/bootstrap.mjs";
import { createApiGuard, redisReplayStore } from "../../pkg/server/server.js";
import { accessToken, AUDIENCE, dpopKey, dpopProof, ISSUER, issuerKeys } from "./helpers.mjs";

let dir;
let server;
let clients = [];
let keys;

/** Resolves once redis-server logs that it accepts connections (it prints that line when ready). */
async function startRedis(socket) {
  const proc = spawn(redisServer(), ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((ok, ko) => {
    proc.once("exit", (code) => ko(new Error(`redis-server exited (${code}): ${out}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      if (/ready to accept connections/i.test(out)) ok();
    });
  });
  return proc;
}

async function client(socket) {
  // disableOfflineQueue: while Redis is away a command fails at once instead of waiting for it to return.
  const c = createClient({ socket: { path: socket, reconnectStrategy: false }, disableOfflineQueue: true });
  c.on("error", () => {});
  await c.connect();
  clients.push(c);
  return c;
}

before(async () => {
  keys = await issuerKeys();
  dir = mkdtempSync(join(tmpdir(), "stepup-redis-"));
  server = await startRedis(join(dir, "redis.sock"));
});

after(async () => {
  for (const c of clients) if (c.isOpen) c.destroy();
  if (server.exitCode === null) {
    server.kill();
    await once(server, "exit");
  }
  rmSync(dir, { recursive: true, force: true });
});

test("two guards sharing Redis refuse a proof replayed from one to the other; Redis gone fails closed", async () => {
  const socket = join(dir, "redis.sock");
  const [a, b] = [await client(socket), await client(socket)];
  const guardA = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, replayStore: redisReplayStore(a, { prefix: "t1:" }) });
  const guardB = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, replayStore: redisReplayStore(b, { prefix: "t1:" }) });
  const key = await dpopKey();
  const token = await accessToken(keys, { cnf: { jkt: key.jkt } });
  const url = "https://api.example/transfer";
  const request = async () => ({ method: "POST", url, headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, "POST", url, token) } });

  const req = await request();
  assert.equal((await guardA.check(req, null)).ok, true, "instance A accepts the proof");
  const replay = await guardB.check(req, null);
  assert.deepEqual([replay.ok, replay.status, replay.code], [false, 401, "invalid_dpop_proof"], "instance B refuses it");
  assert.match(replay.wwwAuthenticate, /used before \(jti\)/);
  assert.equal((await guardA.check(req, null)).code, "invalid_dpop_proof", "and so does A itself");
  // What Redis holds: one key, under the prefix, that expires with the proof's window.
  const stored = await a.keys("t1:*");
  assert.equal(stored.length, 1);
  const ttl = await a.ttl(stored[0]);
  assert.ok(ttl > 0 && ttl <= 62, `ttl ${ttl}`);
  // A fresh proof of the same key passes on B.
  assert.equal((await guardB.check(await request(), null)).ok, true);

  // Redis goes away: every DPoP request fails closed, a fresh valid proof included.
  // Each client reports the lost connection with an "error" event (`events.once` would reject on it).
  const lost = (c) => new Promise((ok) => c.once("error", ok));
  const closed = Promise.all([lost(a), lost(b)]);
  server.kill();
  await once(server, "exit");
  await closed;
  assert.deepEqual([a.isReady, b.isReady], [false, false]);
  for (const guard of [guardA, guardB]) {
    const r = await guard.check(await request(), null);
    assert.deepEqual([r.ok, r.status, r.code, r.wwwAuthenticate, r.headers], [false, 503, "replay_store_unavailable", undefined, {}]);
  }
});
