// Browser test of the similarity HTML report: generates a small corpus, runs
// `examctl similarity --format html`, opens the file in headless Chromium
// (Debian's /usr/bin/chromium via playwright-core), takes a screenshot and
// checks that matched fragments are highlighted on both sides, that the
// keyboard moves between pairs and fragments, and that the page loads
// nothing from the network.
//
// Usage: node tests/similarity/report_screenshot.mjs --examctl PATH [--out DIR]
// playwright-core is loaded from web/node_modules (npm ci in web/), or from
// the folder in PLAYWRIGHT_CORE_DIR.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index > 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const examctl = option("--examctl", path.join(root, "build/cli/examctl"));
const outDir = option("--out", fs.mkdtempSync(path.join(os.tmpdir(), "similarity-browser-")));
const playwrightDir = process.env.PLAYWRIGHT_CORE_DIR || path.join(root, "web/node_modules");
const require = createRequire(path.join(playwrightDir, "noop.js"));
const { chromium } = require("playwright-core");

let passed = 0;
let failed = 0;
function check(name, condition, detail = "") {
  if (condition) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL ${name}${detail ? ": " + detail : ""}`);
  }
}

// A course folder as a TA has it: one file per student, and the starter code.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "similarity-corpus-"));
execFileSync("python3", [path.join(root, "bench/similarity/generate_corpus.py"), work,
  "--students", "72", "--seed", "3"]);
const starter = path.join(root, "tests/similarity/data/base/starter.py");
const report = path.join(outDir, "similarity-report.html");
fs.mkdirSync(outDir, { recursive: true });
execFileSync(examctl, ["similarity", path.join(work, "submissions"), "--base", starter,
  "--format", "html", "-o", report], { stdio: ["ignore", "ignore", "inherit"] });
check("report written", fs.existsSync(report));

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "similarity-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const offDisk = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) {
      return route.continue();
    }
    offDisk.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));

  await page.goto(pathToFileURL(report).href);
  check("title", (await page.title()) === "Similarity report");
  const evidence = await page.textContent(".evidence");
  check("evidence notice", evidence.includes("not proof of copying"), evidence);
  const rows = await page.locator("#pairs tbody tr").count();
  check("ranked pairs listed", rows > 0, `${rows} rows`);

  // Fragments of the top pair are highlighted on both sides in matching colours.
  const sides = page.locator("#pair-1 .side");
  check("two sides", (await sides.count()) === 2);
  const leftMarks = await sides.nth(0).locator("mark").count();
  const rightMarks = await sides.nth(1).locator("mark").count();
  check("left side highlighted", leftMarks > 0, `${leftMarks} marks`);
  check("right side highlighted", rightMarks > 0, `${rightMarks} marks`);
  const colours = await page.evaluate(() => {
    const first = document.querySelector('#pair-1 .side mark[data-f="0"]');
    const other = document.querySelectorAll("#pair-1 .side")[1].querySelector('mark[data-f="0"]');
    return [getComputedStyle(first).backgroundColor, getComputedStyle(other).backgroundColor];
  });
  check("matching colours", colours[0] === colours[1] && colours[0] !== "rgba(0, 0, 0, 0)",
    colours.join(" vs "));

  await page.screenshot({ path: path.join(outDir, "similarity-report-top.png") });

  // Keyboard: j opens the first pair, n selects its first fragment on both sides.
  await page.keyboard.press("j");
  check("j focuses pair 1", await page.evaluate(() => document.activeElement?.id) === "pair-1");
  await page.keyboard.press("n");
  const current = await page.locator("#pair-1 mark.current").count();
  check("n marks the fragment on both sides", current >= 2, `${current} marks`);
  await page.screenshot({ path: path.join(outDir, "similarity-report.png") });
  await page.keyboard.press("j");
  check("j moves to pair 2", rows < 2 ||
    (await page.evaluate(() => document.activeElement?.id)) === "pair-2");

  check("no network requests", offDisk.length === 0, offDisk.join(", "));
  check("no script errors", consoleErrors.length === 0, consoleErrors.join("; "));
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
}

console.log(`screenshot: ${path.join(outDir, "similarity-report.png")}`);
console.log(`similarity report browser test: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
