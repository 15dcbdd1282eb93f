// The size budget: what an app ships for stepup (pkg/ as built, bundled by Vite and compressed the way the
// bench's size table measures it: bench/lib/sites.mjs + bench/lib/size.mjs), against bench/size-budget.json.
// Fails when the gzip total is above the budget. Builds no wasm: run `npm run build` first.
//   node scripts/size-budget.mjs           check
//   node scripts/size-budget.mjs --lower   after a win: set `achieved` to the figure and the budget to it + 2 %
// Raising the budget is a hand edit of bench/size-budget.json with an entry in its `reasons`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrap, root } from "./bootstrap.mjs";

export const budgetFile = join(root, "bench", "size-budget.json");

export async function checkSize({ lower = false } = {}) {
  bootstrap({ browser: false });
  const { shippedStepup } = await import("../bench/lib/sites.mjs");
  const { total, parts } = await shippedStepup();
  const budget = JSON.parse(readFileSync(budgetFile, "utf8"));
  for (const p of parts) console.log(`  ${p.name}: ${p.raw} B raw, ${p.gzip} B gzip`);
  console.log(`  shipped: ${total.gzip} B gzip (${(total.gzip / 1024).toFixed(1)} KiB); budget ${budget.budgetGzip} B, last achieved ${budget.achievedGzip} B`);
  if (lower) {
    const next = Math.round(total.gzip * 1.02);
    if (next > budget.budgetGzip) throw new Error(`--lower would raise the budget (${budget.budgetGzip} → ${next} B): edit ${budgetFile} with a reason instead`);
    budget.achievedGzip = total.gzip;
    budget.budgetGzip = next;
    writeFileSync(budgetFile, JSON.stringify(budget, null, 2) + "\n");
    console.log(`  budget lowered to ${next} B`);
  }
  if (total.gzip > budget.budgetGzip) {
    throw new Error(`stepup ships ${total.gzip} B gzip, over the ${budget.budgetGzip} B budget in bench/size-budget.json`);
  }
  return total;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  checkSize({ lower: process.argv.includes("--lower") }).catch((e) => {
    console.error(`size budget: ${e.message}`);
    process.exit(1);
  });
}
