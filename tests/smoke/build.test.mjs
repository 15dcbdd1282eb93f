// The npm build's own step over rustc's output (scripts/unreachable-formatting.mjs), on modules made with
// binaryen: std's `Display` / `Debug` functions become `unreachable` only when nothing in the module formats.
import { test } from "node:test";
import assert from "node:assert/strict";
import binaryen from "binaryen";
import { unreachableFormatting } from "../../scripts/unreachable-formatting.mjs";

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
