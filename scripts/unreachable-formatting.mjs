// The standard library's code that the npm build keeps but that can never do anything anyone sees.
//
// Formatting. Panics in Rust's core library (a slice index out of range, a `RefCell` borrowed twice in a
// dependency) build a `fmt::Arguments` holding pointers to the `fmt` functions of their values (`u32`, `&str`,
// `BorrowError`, ...). Those pointers put the functions, and `Formatter::pad`, `pad_integral` and the char counting
// they call, in the wasm's function table, where no optimizer may drop them. Only `core::fmt::write` ever calls
// them, and it is not in the npm build: stepup's panic handler stops at once (`src/lib.rs`), nothing formats a
// message. So, when the module has no `core::fmt::write`, their bodies become `unreachable` and wasm-opt removes
// what only they called (about 1 KB gzip). With `core::fmt::write` present (a future change that formats), nothing
// is touched.
//
// Panics. With that handler, every panicking function of the standard library (`panic_fmt`, the `async fn` resumed
// after completion, an allocation that failed, ...) builds a message and a location for a handler that traps
// without reading them. Their bodies become `unreachable` too, only when the handler is `unreachable` alone: each
// call site then traps at once, as it did one call later, and wasm-opt drops the arguments built for it.
import { readFileSync } from "node:fs";
import { sections, sleb, uleb, ulebBytes } from "./wasm-sections.mjs";

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

/** The body of `unreachable` alone: no locals, `unreachable`, `end`. */
const UNREACHABLE = Buffer.from([0, 0x00, 0x0b]);

/** Each defined function's index, name and body, and the code section they are in. */
function definedFunctions(bytes, list, names) {
  const imported = importedFunctions(bytes, list.find((s) => s.id === 2));
  const code = list.find((s) => s.id === 10);
  let [count, at] = uleb(bytes, code.body);
  const functions = [];
  for (let i = 0; i < count; i++) {
    const [size, body] = uleb(bytes, at);
    functions.push({ name: names.get(imported + i) ?? "", entry: bytes.subarray(at, body + size), body: bytes.subarray(body, body + size) });
    at = body + size;
  }
  return { code, functions };
}

/** `bytes` with the body of every function whose name `stub` accepts replaced by `unreachable`. */
function stubbed(bytes, list, names, stub) {
  const { code, functions } = definedFunctions(bytes, list, names);
  const parts = [ulebBytes(functions.length)];
  const done = [];
  for (const f of functions) {
    if (stub(f.name)) {
      parts.push(ulebBytes(UNREACHABLE.length), UNREACHABLE);
      done.push(f.name);
    } else {
      parts.push(f.entry);
    }
  }
  const section = Buffer.concat(parts);
  const out = Buffer.concat([bytes.subarray(0, code.start), Buffer.from([10]), ulebBytes(section.length), section,
    bytes.subarray(code.end)]);
  new WebAssembly.Module(out); // still a valid module, or throw here rather than ship it
  return { bytes: out, stubbed: done, skipped: null };
}

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
  return stubbed(bytes, list, names, (name) => FMT_IMPL.test(name));
}

// The panic handler, and the functions of the standard library that only panic: `core::panicking` (`panic_fmt`,
// `panic_const_async_fn_resumed`, ...), a `RefCell` or `LazyCell` misused, `expect`/`unwrap` on nothing, a slice
// or str index out of range, and an allocation that failed (through the alloc error handler, which panics).
const PANIC_HANDLER = /7___rustc17rust_begin_unwind|^rust_begin_unwind$/;
const PANICS = new RegExp([
  "4core9panicking",
  "4core4cell\\d+panic_already",
  "4lazy14panic_poisoned",
  "4core6option13expect_failed",
  "4core6(?:option|result)13unwrap_failed",
  "4core5slice5index\\d+slice_\\w+_fail",
  "4core3str\\d+slice_error_fail",
  "7raw_vec12handle_error",
  "5alloc18handle_alloc_error",
  "_alloc_error_handler",
].join("|"));

/**
 * `wasm` with the bodies of the standard library's panicking functions replaced by `unreachable`, when the
 * module's panic handler is `unreachable` alone (stepup's without std: `src/lib.rs`). Each of them ends in that
 * handler having done nothing anyone can see (it builds the message the handler never reads), so it traps exactly
 * as before; what goes is the message building at every call site, which the optimizer cannot remove while the
 * call is there. Another panic handler (std's, which reports the message) leaves the module unchanged.
 */
export function unreachablePanics(wasm) {
  const bytes = Buffer.isBuffer(wasm) ? wasm : readFileSync(wasm);
  const list = sections(bytes);
  const names = functionNames(bytes, list);
  if (names.size === 0) return { bytes, stubbed: [], skipped: "the module has no function names" };
  const handlers = definedFunctions(bytes, list, names).functions.filter((f) => PANIC_HANDLER.test(f.name));
  if (handlers.length !== 1) return { bytes, stubbed: [], skipped: `${handlers.length} panic handlers found` };
  if (!handlers[0].body.equals(UNREACHABLE)) return { bytes, stubbed: [], skipped: "the panic handler does more than trap" };
  return stubbed(bytes, list, names, (name) => PANICS.test(name) && !PANIC_HANDLER.test(name));
}

/**
 * `wasm` (after `unreachablePanics` took effect and the optimizer ran) with the panic locations blanked: every
 * `core::panic::Location` in its data (a 16-byte record: the address and length of a source file name ending in
 * `.rs`, a line and a column) and the file names they point to, as zero bytes. A location is only ever read to
 * report a panic, which nothing in such a module does; the records stay where they are, so no address changes,
 * and zeros cost gzip next to nothing. Returns the new bytes and how many locations and file names were blanked.
 */
export function blankPanicLocations(wasm) {
  const bytes = Buffer.from(Buffer.isBuffer(wasm) ? wasm : readFileSync(wasm));
  const data = sections(bytes).find((s) => s.id === 11);
  if (!data) return { bytes, locations: 0, files: 0 };
  const segments = [];
  let [count, at] = uleb(bytes, data.body);
  for (; count > 0; count--) {
    const flags = bytes[at++];
    if (flags !== 0 || bytes[at] !== 0x41) return { bytes, locations: 0, files: 0 }; // only `i32.const` active segments
    let address, length;
    [address, at] = sleb(bytes, at + 1);
    if (bytes[at++] !== 0x0b) return { bytes, locations: 0, files: 0 };
    [length, at] = uleb(bytes, at);
    segments.push({ address, at, length });
    at += length;
  }
  /** Where memory address `address` (through `address + length - 1`) is in the file, or -1. */
  const offset = (address, length = 1) => {
    const s = segments.find((s) => address >= s.address && address + length <= s.address + s.length);
    return s ? s.at + (address - s.address) : -1;
  };
  const locations = [];
  const files = new Map();
  for (const s of segments) {
    for (let address = s.address + ((4 - (s.address % 4)) % 4); address + 16 <= s.address + s.length; address += 4) {
      const o = offset(address, 16);
      const [file, length, line, column] = [0, 4, 8, 12].map((k) => bytes.readUInt32LE(o + k));
      if (length < 4 || length > 256 || line < 1 || line > 1e6 || column < 1 || column > 1e4) continue;
      const f = offset(file, length);
      if (f < 0 || !/^[\x21-\x7e]*\.rs$/.test(bytes.subarray(f, f + length).toString("latin1"))) continue;
      locations.push(o);
      files.set(f, length);
    }
  }
  for (const o of locations) bytes.fill(0, o, o + 16);
  for (const [f, length] of files) bytes.fill(0, f, f + length);
  new WebAssembly.Module(bytes);
  return { bytes, locations: locations.length, files: files.size };
}
