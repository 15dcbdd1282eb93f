// The wasm's functions in an order that gzip compresses better, behaviour unchanged.
//
// gzip (deflate) finds a repeat only within the last 32 KiB it has read, and the code section is over 140 KB: a
// function compresses well when functions with the same byte sequences (the same drop glue, the same calls, the
// same error construction) came shortly before it. The order in which a module lists its functions means
// nothing to the code: calls, the function table and the exports name a function by its index, and binaryen
// renumbers every one of them when a function moves. So the functions are re-listed greedily: next comes the one
// whose bytes are most covered by 6-byte sequences already in the last 32 KiB placed (a cheap estimate of what
// deflate will find). The result is kept only when it compresses smaller than the input.
import binaryen from "binaryen";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { sections, uleb } from "./wasm-sections.mjs";

/** Length of the byte sequences compared (deflate's shortest useful match is 3 bytes; 6 measured best). */
const SEQUENCE = 6;
/** deflate's window: how far back a repeat can be found. */
const WINDOW = 32768;
/** Added to a function's covered and total bytes, so that a tiny function fully covered does not always win. */
const SMOOTHING = 128;

/** The wasm features rustc's wasm32 target emits (as `scripts/build.mjs` FEATURES passes to wasm-opt). */
const FEATURES = binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.NontrappingFPToInt |
  binaryen.Features.SignExt | binaryen.Features.MutableGlobals | binaryen.Features.ReferenceTypes |
  binaryen.Features.CallIndirectOverlong | binaryen.Features.Multivalue;

const gzipLength = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Each defined function's encoded body (size, locals, code), in the module's order. */
function functionBodies(bytes) {
  const code = sections(bytes).find((s) => s.id === 10);
  if (!code) return [];
  let [count, p] = uleb(bytes, code.body);
  const out = [];
  for (; count > 0; count--) {
    const [length, start] = uleb(bytes, p);
    out.push(bytes.subarray(p, start + length));
    p = start + length;
  }
  return out;
}

/** The hashes of every `SEQUENCE`-byte run of `bytes`, in order. */
function sequences(bytes) {
  const out = new Uint32Array(Math.max(0, bytes.length - SEQUENCE + 1));
  for (let i = 0; i < out.length; i++) {
    let h = 0;
    for (let j = 0; j < SEQUENCE; j++) h = (Math.imul(h, 257) + bytes[i + j]) >>> 0;
    out[i] = h;
  }
  return out;
}

/** The greedy order (indices into `bodies`), from the module's last function. Where the greedy path starts
 * matters: from rustc's last functions (small runtime helpers) it measured 250-300 B smaller than from its first
 * (the largest async body), and within 40 B of the best of 20 starts. */
function greedyOrder(bodies) {
  const runs = bodies.map(sequences);
  const inWindow = new Map(); // hash → how many placed functions in the window have it
  const window = [];
  let windowBytes = 0;
  const count = (i, step) => {
    for (const h of new Set(runs[i])) {
      const n = (inWindow.get(h) ?? 0) + step;
      if (n) inWindow.set(h, n);
      else inWindow.delete(h);
    }
  };
  const place = (i) => {
    order.push(i);
    count(i, 1);
    window.push(i);
    windowBytes += bodies[i].length;
    while (windowBytes > WINDOW) {
      const old = window.shift();
      windowBytes -= bodies[old].length;
      count(old, -1);
    }
  };
  /** How much of function `i` repeats what the window holds, as a share of its length. */
  const covered = (i) => {
    let bytes = 0, until = 0;
    const run = runs[i];
    for (let p = 0; p < run.length; p++) {
      if (!inWindow.has(run[p])) continue;
      bytes += p + SEQUENCE - Math.max(p, until);
      until = p + SEQUENCE;
    }
    return (bytes + SMOOTHING) / (bodies[i].length + SMOOTHING);
  };
  const order = [];
  const left = new Set(bodies.keys());
  if (!bodies.length) return order;
  const first = bodies.length - 1;
  left.delete(first);
  place(first);
  while (left.size) {
    let best = -1, bestScore = -1;
    for (const i of left) {
      const score = covered(i);
      if (score > bestScore) [best, bestScore] = [i, score];
    }
    left.delete(best);
    place(best);
  }
  return order;
}

/**
 * `bytes` (a wasm module) with its functions re-listed for gzip, or unchanged when that does not compress
 * smaller. Returns the bytes and both gzip -9 lengths.
 */
export function orderFunctions(bytes) {
  const before = gzipLength(bytes);
  const bodies = functionBodies(bytes);
  const settings = [binaryen.getOptimizeLevel(), binaryen.getShrinkLevel(), binaryen.getGenerateStackIR(), binaryen.getOptimizeStackIR()];
  const module = binaryen.readBinary(bytes);
  try {
    module.setFeatures(FEATURES);
    const defined = [];
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
      if (!info.module) defined.push(info); // imports are not in the code section
    }
    if (defined.length !== bodies.length) throw new Error(`orderFunctions: ${defined.length} functions, ${bodies.length} bodies`);
    // Removed and added again, each goes to the end: in the new order. The body is the same expression tree
    // (binaryen keeps expressions in the module's arena, not in the function).
    for (const i of greedyOrder(bodies)) {
      const f = defined[i];
      module.removeFunction(f.name);
      module.addFunction(f.name, f.params, f.results, f.vars, f.body);
    }
    if (!module.validate()) throw new Error("orderFunctions: the re-listed module does not validate");
    // Written as `wasm-opt -Oz` writes (its optimized stack IR), not binaryen's plain encoding (~450 B larger).
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    binaryen.setGenerateStackIR(true);
    binaryen.setOptimizeStackIR(true);
    const out = Buffer.from(module.emitBinary());
    new WebAssembly.Module(out); // a module the engine accepts, or throw here rather than ship it
    const after = gzipLength(out);
    return after < before ? { bytes: out, before, after } : { bytes, before, after: before };
  } finally {
    module.dispose();
    binaryen.setOptimizeLevel(settings[0]);
    binaryen.setShrinkLevel(settings[1]);
    binaryen.setGenerateStackIR(settings[2]);
    binaryen.setOptimizeStackIR(settings[3]);
  }
}

// `node scripts/order-functions.mjs <file.wasm>`: rewrite the file in place (`npm run build` does).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const { bytes, before, after } = orderFunctions(readFileSync(file));
  writeFileSync(file, bytes);
  console.log(after < before ? `[build] functions ordered for gzip: ${before} → ${after} B` : `[build] functions kept in order: ${before} B`);
}
