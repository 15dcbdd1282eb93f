// The standard library's `Display` / `Debug` implementations that the npm build keeps but can never call.
//
// Panics in Rust's core library (a slice index out of range, a `RefCell` borrowed twice in a dependency) build a
// `fmt::Arguments` holding pointers to the `fmt` functions of their values (`u32`, `&str`, `BorrowError`, ...).
// Those pointers put the functions, and `Formatter::pad`, `pad_integral` and the char counting they call, in the
// wasm's function table, where no optimizer may drop them. Only `core::fmt::write` ever calls them, and it is not
// in the npm build: stepup's panic handler stops at once (`src/lib.rs`), nothing formats a message. So, when the
// module has no `core::fmt::write`, their bodies become `unreachable` and wasm-opt removes what only they called
// (about 1 KB gzip). With `core::fmt::write` present (a future change that formats), nothing is touched.
import { readFileSync } from "node:fs";

/** Unsigned LEB128 at `at`: [value, index after it]. */
function uleb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function ulebBytes(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

function sections(bytes) {
  const list = [];
  for (let at = 8; at < bytes.length;) {
    const [size, body] = uleb(bytes, at + 1);
    list.push({ id: bytes[at], start: at, body, end: body + size });
    at = body + size;
  }
  return list;
}

/** How many functions the module imports (they come first in the function index space). */
function importedFunctions(bytes, section) {
  if (!section) return 0;
  let [count, at] = uleb(bytes, section.body);
  let functions = 0;
  const skipName = () => { let len; [len, at] = uleb(bytes, at); at += len; };
  const skipLimits = () => { const flags = bytes[at++]; [, at] = uleb(bytes, at); if (flags & 1) [, at] = uleb(bytes, at); };
  for (; count > 0; count--) {
    skipName();
    skipName();
    const kind = bytes[at++];
    if (kind === 0) { [, at] = uleb(bytes, at); functions++; } // function: type index
    else if (kind === 1) { at++; skipLimits(); } // table: reftype, limits
    else if (kind === 2) skipLimits(); // memory
    else if (kind === 3) at += 2; // global: valtype, mutability
    else if (kind === 4) { at++; [, at] = uleb(bytes, at); } // tag
    else throw new Error(`unknown import kind ${kind}`);
  }
  return functions;
}

/** Function index → name, from the "name" custom section. */
function functionNames(bytes, list) {
  const names = new Map();
  for (const s of list.filter((s) => s.id === 0)) {
    let [len, at] = uleb(bytes, s.body);
    if (bytes.subarray(at, at + len).toString() !== "name") continue;
    for (at += len; at < s.end;) {
      const kind = bytes[at];
      const [size, body] = uleb(bytes, at + 1);
      if (kind === 1) {
        let [count, p] = uleb(bytes, body);
        for (; count > 0; count--) {
          let index, n;
          [index, p] = uleb(bytes, p);
          [n, p] = uleb(bytes, p);
          names.set(index, bytes.subarray(p, p + n).toString());
          p += n;
        }
      }
      at = body + size;
    }
  }
  return names;
}

// Symbol names as rustc writes them: v0 mangling for the standard library (`..._4core3fmt5write`,
// `..._7Display3fmt`), the legacy form for crates built with it (`_ZN4core3fmt5write17h...E`).
// `FMT_WRITE` errs on the side of finding one (then nothing is touched).
const FMT_WRITE = /4core3fmt5write/;
const FMT_IMPL = /(?:7Display|5Debug)3fmt|core\.\.fmt\.\.(?:Display|Debug)\$(?:u20\$for\$u20\$|GT\$3fmt)/;

/**
 * `wasm` (rustc's output, with its name section) with the bodies of the `Display` / `Debug` `fmt` functions
 * replaced by `unreachable`. Returns the new bytes and what was done, or the bytes unchanged and why not.
 */
export function unreachableFormatting(wasm) {
  const bytes = Buffer.isBuffer(wasm) ? wasm : readFileSync(wasm);
  const list = sections(bytes);
  const names = functionNames(bytes, list);
  if (names.size === 0) return { bytes, stubbed: [], skipped: "the module has no function names" };
  const writers = [...names.values()].filter((n) => FMT_WRITE.test(n));
  if (writers.length) return { bytes, stubbed: [], skipped: `the module formats (${writers[0]})` };
  const imported = importedFunctions(bytes, list.find((s) => s.id === 2));
  const code = list.find((s) => s.id === 10);
  let [count, at] = uleb(bytes, code.body);
  const parts = [ulebBytes(count)];
  const stubbed = [];
  for (let i = 0; i < count; i++) {
    const [size, body] = uleb(bytes, at);
    const name = names.get(imported + i) ?? "";
    if (FMT_IMPL.test(name)) {
      parts.push(Buffer.from([3, 0, 0x00, 0x0b])); // body of 3 bytes: no locals, `unreachable`, `end`
      stubbed.push(name);
    } else {
      parts.push(bytes.subarray(at, body + size));
    }
    at = body + size;
  }
  const section = Buffer.concat(parts);
  const out = Buffer.concat([bytes.subarray(0, code.start), Buffer.from([10]), ulebBytes(section.length), section,
    bytes.subarray(code.end)]);
  new WebAssembly.Module(out); // still a valid module, or throw here rather than ship it
  return { bytes: out, stubbed, skipped: null };
}
