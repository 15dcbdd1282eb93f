// The npm build's own steps over the wasm, on modules made with binaryen: std's `Display` / `Debug` functions become
// `unreachable` only when nothing in the module formats, its panicking functions only when the panic handler traps
// at once, and panic locations are blanked (scripts/unreachable-formatting.mjs); the functions are re-listed for
// gzip without changing what any of them does (scripts/order-functions.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import binaryen from "binaryen";
import { gzipSync } from "node:zlib";
import { orderFunctions } from "../../scripts/order-functions.mjs";
import { blankPanicLocations, unreachableFormatting, unreachablePanics } from "../../scripts/unreachable-formatting.mjs";
import { sections, uleb } from "../../scripts/wasm-sections.mjs";

// Names as rustc's v0 mangling writes them for the standard library.
const U32_DISPLAY = "_RNvXs8_NtNtNtCsgXGp5Oqx2Ny_4core3fmt3num3impmNtB9_7Display3fmt";
const FMT_WRITE = "_RNvNtCsgXGp5Oqx2Ny_4core3fmt5write";

/** A module whose functions (each `x + 1`) are named `names`, exported as f0, f1, ..., and all in its table. */
function moduleWith(names) {
  const m = new binaryen.Module();
  const i32 = binaryen.i32;
  for (const [i, name] of names.entries()) {
    m.addFunction(name, binaryen.createType([i32]), i32, [], m.i32.add(m.local.get(0, i32), m.i32.const(1)));
    m.addFunctionExport(name, `f${i}`);
  }
  m.addTable("table", names.length, names.length);
  m.addActiveElementSegment("table", "elements", names, m.i32.const(0));
  binaryen.setDebugInfo(true); // keep the name section, as rustc's output has it
  const bytes = Buffer.from(m.emitBinary());
  m.dispose();
  return bytes;
}

const run = async (bytes) => (await WebAssembly.instantiate(bytes)).instance.exports;

test("without core::fmt::write, std's Display functions trap and every other function is untouched", async () => {
  const before = moduleWith(["keep", U32_DISPLAY]);
  assert.equal((await run(before)).f1(1), 2);
  const { bytes, stubbed, skipped } = unreachableFormatting(before);
  assert.equal(skipped, null);
  assert.deepEqual(stubbed, [U32_DISPLAY]);
  const after = await run(bytes);
  assert.equal(after.f0(41), 42);
  assert.throws(() => after.f1(1), WebAssembly.RuntimeError);
});

test("a module that formats (core::fmt::write present) is returned unchanged", async () => {
  const before = moduleWith(["keep", U32_DISPLAY, FMT_WRITE]);
  const { bytes, stubbed, skipped } = unreachableFormatting(before);
  assert.match(skipped, /formats/);
  assert.deepEqual(stubbed, []);
  assert.ok(bytes.equals(before));
  assert.equal((await run(bytes)).f1(1), 2);
});

test("a module without function names is returned unchanged", () => {
  binaryen.setDebugInfo(false);
  const m = new binaryen.Module();
  m.addFunction(U32_DISPLAY, binaryen.none, binaryen.none, [], m.nop());
  m.addFunctionExport(U32_DISPLAY, "f");
  const bytes = Buffer.from(m.emitBinary());
  m.dispose();
  const r = unreachableFormatting(bytes);
  assert.match(r.skipped, /no function names/);
  assert.ok(r.bytes.equals(bytes));
});

// Names as rustc writes them: the panic handler, and two of core's panicking functions.
const PANIC_HANDLER = "_RNvCsfLfy6EI15iL_7___rustc17rust_begin_unwind";
const PANIC_FMT = "_RNvNtCsgXGp5Oqx2Ny_4core9panicking9panic_fmt";
const ASYNC_RESUMED = "_RNvNtNtCsgXGp5Oqx2Ny_4core9panicking11panic_const28panic_const_async_fn_resumed";

/** A module with `keep` (x + 1), a panic handler whose body is `unreachable` or, with `reporting`, one that first
 * calls an imported `report`, and two panicking functions that count their calls in a global, then call it. */
function panicModule(reporting) {
  const m = new binaryen.Module();
  const i32 = binaryen.i32;
  const one = binaryen.createType([i32]);
  m.addFunctionImport("report", "env", "report", one, binaryen.none);
  m.addGlobal("calls", i32, true, m.i32.const(0));
  m.addFunction("keep", one, i32, [], m.i32.add(m.local.get(0, i32), m.i32.const(1)));
  const trap = reporting ? m.block(null, [m.call("report", [m.local.get(0, i32)], binaryen.none), m.unreachable()]) : m.unreachable();
  m.addFunction(PANIC_HANDLER, one, binaryen.none, [], trap);
  for (const name of [PANIC_FMT, ASYNC_RESUMED]) {
    m.addFunction(name, one, binaryen.none, [], m.block(null, [
      m.global.set("calls", m.i32.add(m.global.get("calls", i32), m.i32.const(1))),
      m.call(PANIC_HANDLER, [m.local.get(0, i32)], binaryen.none),
    ]));
  }
  for (const name of ["keep", PANIC_HANDLER, PANIC_FMT, ASYNC_RESUMED]) m.addFunctionExport(name, name);
  binaryen.setDebugInfo(true);
  const bytes = Buffer.from(m.emitBinary());
  m.dispose();
  return bytes;
}

test("with a panic handler that only traps, core's panicking functions trap at once and nothing else changes", async () => {
  const before = panicModule(false);
  const { bytes, stubbed, skipped } = unreachablePanics(before);
  assert.equal(skipped, null);
  assert.deepEqual(stubbed.sort(), [ASYNC_RESUMED, PANIC_FMT].sort());
  const after = (await WebAssembly.instantiate(bytes, { env: { report() {} } })).instance.exports;
  assert.equal(after.keep(41), 42);
  assert.throws(() => after[PANIC_FMT](1), WebAssembly.RuntimeError);
  assert.throws(() => after[ASYNC_RESUMED](1), WebAssembly.RuntimeError);
  assert.throws(() => after[PANIC_HANDLER](1), WebAssembly.RuntimeError);
});

test("a panic handler that does more than trap (std's reports the message) leaves the module unchanged", async () => {
  const before = panicModule(true);
  const { bytes, stubbed, skipped } = unreachablePanics(before);
  assert.match(skipped, /does more than trap/);
  assert.deepEqual(stubbed, []);
  assert.ok(bytes.equals(before));
  const reported = [];
  const exports = (await WebAssembly.instantiate(bytes, { env: { report: (x) => reported.push(x) } })).instance.exports;
  assert.throws(() => exports[PANIC_FMT](7), WebAssembly.RuntimeError);
  assert.deepEqual(reported, [7]);
});

test("a module without a panic handler is returned unchanged", () => {
  const before = moduleWith(["keep", PANIC_FMT]);
  const { bytes, skipped } = unreachablePanics(before);
  assert.match(skipped, /0 panic handlers/);
  assert.ok(bytes.equals(before));
});

/** Memory from address 1024: the file name "src/web/x.rs" (12 bytes) at 1024, "hello" at 1036, a location
 * (file 1024, 12 bytes, line 42, column 7) at 1044, a record shaped alike but naming "hello" at 1060; `load(a)` reads
 * the word at `a`. */
function dataModule() {
  const m = new binaryen.Module();
  const record = (...words) => Buffer.concat(words.map((w) => { const b = Buffer.alloc(4); b.writeUInt32LE(w); return b; }));
  const data = Buffer.concat([Buffer.from("src/web/x.rshello\0\0\0"), record(1024, 12, 42, 7), record(1036, 5, 42, 7)]);
  m.setMemory(1, 1, "memory", [{ offset: m.i32.const(1024), data: new Uint8Array(data), passive: false }]);
  const i32 = binaryen.i32;
  m.addFunction("load", binaryen.createType([i32]), i32, [], m.i32.load(0, 4, m.local.get(0, i32)));
  m.addFunctionExport("load", "load");
  binaryen.setDebugInfo(false);
  const bytes = Buffer.from(m.emitBinary());
  m.dispose();
  return { bytes, data };
}

test("panic locations and the file names they point to become zeros; every other byte and address stays", async () => {
  const { bytes: before, data } = dataModule();
  const { bytes, locations, files } = blankPanicLocations(before);
  assert.deepEqual([locations, files], [1, 1]);
  assert.equal(bytes.length, before.length);
  const at = before.indexOf(data);
  const expected = Buffer.from(data);
  expected.fill(0, 0, 12); // the file name
  expected.fill(0, 20, 36); // the location
  assert.ok(bytes.subarray(at, at + data.length).equals(expected));
  assert.ok(bytes.subarray(0, at).equals(before.subarray(0, at)));
  assert.ok(bytes.subarray(at + data.length).equals(before.subarray(at + data.length)));
  const { load } = (await WebAssembly.instantiate(bytes)).instance.exports;
  assert.deepEqual([load(1044), load(1048), load(1060), load(1064), load(1036)], [0, 0, 1036, 5, 0x6c6c6568]);
});

/** A number generator, so that a family's functions share their constants and other families' do not. */
function numbers(seed) {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) | 0;
}

/**
 * Ten families of two functions, each body ~3 KB of `x + c1 + c2 + ...` with its family's constants (the second
 * member adds one more), listed F0a F1a ... F9a F0b ... F9b: a family's two members are further apart than gzip's
 * window. Every function is exported (F3b as `F3b`), is in the table, and `dispatch(i, x)` calls entry i of it.
 */
function familiesModule() {
  const m = new binaryen.Module();
  const i32 = binaryen.i32;
  const names = [];
  for (const member of ["a", "b"]) {
    for (let family = 0; family < 10; family++) {
      const next = numbers(family + 1);
      let body = m.local.get(0, i32);
      for (let k = 0; k < 500 + (member === "b" ? 1 : 0); k++) body = m.i32.add(body, m.i32.const(next()));
      const name = `F${family}${member}`;
      m.addFunction(name, binaryen.createType([i32]), i32, [], body);
      m.addFunctionExport(name, name);
      names.push(name);
    }
  }
  m.addTable("table", names.length, names.length);
  m.addActiveElementSegment("table", "elements", names, m.i32.const(0));
  const params = binaryen.createType([i32, i32]);
  m.addFunction("dispatch", params, i32, [], m.call_indirect("table", m.local.get(0, i32), [m.local.get(1, i32)], binaryen.createType([i32]), i32));
  m.addFunctionExport("dispatch", "dispatch");
  binaryen.setDebugInfo(false); // as the build's wasm-opt leaves it
  const bytes = Buffer.from(m.emitBinary());
  m.dispose();
  return { bytes, names };
}

/** The function index each export names (export section, kind 0). */
function exportIndices(bytes) {
  const out = new Map();
  const exports = sections(bytes).find((s) => s.id === 7);
  if (!exports) return out;
  let [count, p] = uleb(bytes, exports.body);
  for (; count > 0; count--) {
    const [length, name] = uleb(bytes, p);
    const kind = bytes[name + length];
    const [index, after] = uleb(bytes, name + length + 1);
    if (kind === 0) out.set(bytes.subarray(name, name + length).toString(), index);
    p = after;
  }
  return out;
}

test("functions are re-listed with their family beside them, every call and table entry still reaching the same code", async () => {
  const { bytes: before, names } = familiesModule();
  const { bytes, before: gzipBefore, after: gzipAfter } = orderFunctions(before);
  assert.equal(gzipBefore, gzipSync(before, { level: 9 }).length);
  assert.equal(gzipAfter, gzipSync(bytes, { level: 9 }).length);
  assert.ok(gzipAfter < gzipBefore * 0.8, `${gzipBefore} → ${gzipAfter} B`);
  // Each family's two members are now neighbours in the module's order.
  const indices = exportIndices(bytes);
  for (let family = 0; family < 10; family++) {
    assert.equal(Math.abs(indices.get(`F${family}a`) - indices.get(`F${family}b`)), 1, `F${family}`);
  }
  const [was, now] = [await run(before), await run(bytes)];
  for (const x of [0, 1, -7, 123456789]) {
    for (const [i, name] of names.entries()) {
      assert.equal(now[name](x), was[name](x), name);
      assert.equal(now.dispatch(i, x), was.dispatch(i, x), `dispatch ${i}`);
      assert.equal(now.dispatch(i, x), was[name](x));
    }
  }
});

test("a module that re-listing cannot make smaller is returned unchanged", () => {
  const bytes = moduleWith(["only"]);
  const r = orderFunctions(bytes);
  assert.ok(r.bytes.equals(bytes));
  assert.equal(r.after, r.before);
});
