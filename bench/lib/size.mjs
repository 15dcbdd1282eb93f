// Size of what an app ships: each file compressed on its own as a server would serve it
// (gzip level 9, brotli quality 11, node zlib), summed.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export function compressed(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length,
  };
}

export function sizeOf(files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const parts = files.map(({ name, bytes }) => {
    const c = compressed(bytes);
    for (const k of Object.keys(total)) total[k] += c[k];
    return { name, ...c };
  });
  return { total, parts };
}
