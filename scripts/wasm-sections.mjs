// Reading a wasm module's binary: LEB128 numbers and the section list, for the npm build's own steps over the
// wasm (scripts/unreachable-formatting.mjs, scripts/order-functions.mjs).

/** Unsigned LEB128 at `at`: [value, index after it]. */
export function uleb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** `value` as unsigned LEB128 bytes. */
export function ulebBytes(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

/** The module's sections, in order: id, and where each starts, its body starts and it ends. */
export function sections(bytes) {
  const list = [];
  for (let at = 8; at < bytes.length;) {
    const [size, body] = uleb(bytes, at + 1);
    list.push({ id: bytes[at], start: at, body, end: body + size });
    at = body + size;
  }
  return list;
}

/** Signed LEB128 at `at` (an `i32.const` offset): [value, index after it]. */
export function sleb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  if (shift < 32 && byte & 0x40) value |= -1 << shift;
  return [value, at];
}
