// Runs Dolos (@dodona/dolos-lib) on the given files and writes every pair's
// similarity as CSV (left,right,similarity) to stdout, with students named
// after their file without the extension. Benchmark use only.
// Usage: node run_dolos.mjs FILE...
import { Dolos } from "@dodona/dolos-lib";
import path from "node:path";

const files = process.argv.slice(2);
if (files.length < 2) {
  console.error("usage: node run_dolos.mjs FILE...  (at least two files)");
  process.exit(2);
}
const dolos = new Dolos({ language: "python" });
const report = await dolos.analyzePaths(files);
const name = (file) => path.basename(file.path, path.extname(file.path));
const lines = ["left,right,similarity"];
for (const pair of report.allPairs()) {
  lines.push(`${name(pair.leftFile)},${name(pair.rightFile)},${pair.similarity.toFixed(6)}`);
}
process.stdout.write(lines.join("\n") + "\n");
