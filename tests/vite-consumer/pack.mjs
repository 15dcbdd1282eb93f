// Install pkg/ into a consumer folder the way npm would from the registry: `npm pack` (which applies the
// manifest's `files`), then the tarball unpacked as <dir>/node_modules/stepup. A file missing from `files`
// is missing here too.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../e2e/harness.mjs";

export const pkgDir = join(repoRoot, process.env.STEPUP_PKG_DIR || "pkg");

/** Pack pkg/ and unpack it as `dir/node_modules/stepup`. Returns the packed file list. */
export function installPackedPackage(dir) {
  if (!existsSync(join(pkgDir, "package.json"))) throw new Error(`${pkgDir} has no package.json: run \`npm run build\` first`);
  const tmp = mkdtempSync(join(tmpdir(), "stepup-pack-"));
  try {
    const out = execFileSync("npm", ["pack", pkgDir, "--pack-destination", tmp, "--json", "--ignore-scripts"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
    });
    const [info] = JSON.parse(out);
    const dest = join(dir, "node_modules", "stepup");
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    execFileSync("tar", ["-xzf", join(tmp, info.filename), "-C", dest, "--strip-components=1"]);
    return { files: info.files.map((f) => f.path).sort(), unpacked: readdirSync(dest).sort() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
