// The floor: the harness with no library (a dynamic import of an almost empty chunk).
export async function start() {
  return null;
}
