import { jwtDecode } from "jwt-decode";

export { jwtDecode };

const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";

/** Cold start: one decode. */
export async function start() {
  return jwtDecode(token);
}
