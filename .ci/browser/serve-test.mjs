// The classroom in a real browser: starts `seqplan serve`, opens the page
// in Debian's headless Chromium, and as a teacher would: opens a model,
// moves a deadline, forces a move, keeps a variant and compares, checks a
// student's plan; after each change it reads the plan from the page and
// compares it with what the command line plans for the same model and
// flags. Takes a screenshot of the page, kept at SCREENSHOT if set
// (otherwise it goes with the scratch directory).
//
//   node .ci/browser/serve-test.mjs SEQPLAN_BINARY
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const seqplan = process.argv[2];
const work = mkdtempSync(join(tmpdir(), "seqplan-serve-"));
// The scratch directory goes however the test ends, `fail`'s exit included.
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const fail = (message) => { console.error("browser test: " + message); process.exit(1); };

// The server, on a free port; its first line names the address.
const server = spawn(seqplan, ["serve", "models", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const address = await new Promise((resolve, reject) => {
  let seen = "";
  server.stdout.on("data", (chunk) => {
    seen += chunk;
    const found = seen.match(/http:\/\/[^/\s]+\//);
    if (found) resolve(found[0]);
  });
  server.on("exit", () => reject(new Error("the server stopped: " + seen)));
  setTimeout(() => reject(new Error("no address from the server")), 20000);
});

// What the command line plans for the model text and flags: its moves.
function cliMoves(modelText, flags) {
  const file = join(work, "model.json");
  writeFileSync(file, modelText);
  const out = execFileSync(seqplan, ["plan", file, "--format", "json", "--time-limit", "10", ...flags]);
  return JSON.parse(out).moves.map((m) => m.round + " " + m.action);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("requestfailed", (r) => errors.push("request failed: " + r.url()));
  // Nothing may be fetched from anywhere but the server.
  page.on("request", (r) => {
    if (!r.url().startsWith(address) && !r.url().startsWith("data:")) errors.push("outside request: " + r.url());
  });
  await page.goto(address);

  let shown = 0;
  const planned = async () => {
    shown += 1;
    await page.waitForFunction((n) => Number(document.body.dataset.planned || 0) >= n, shown, { timeout: 60000 });
  };
  const pageMoves = () => page.$$eval("#moves tbody tr", (rows) =>
    rows.map((r) => r.dataset.round + " " + r.dataset.action));
  const same = (what, a, b) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) fail(what + ": the page shows\n" + a.join(", ") + "\nthe command line plans\n" + b.join(", "));
  };

  // Open a model: the plan is the command line's.
  await page.selectOption("#models", "education.json");
  await planned();
  const text = () => page.inputValue("#model-text");
  same("education", await pageMoves(), cliMoves(await text(), []));
  if (!(await page.textContent("#summary")).startsWith("plan optimal")) fail("no optimal plan shown");
  if (!(await page.textContent("#explanation")).includes("Why each move is in its month")) fail("no explanation");

  // Move a deadline: the schools may reopen two months later.
  const row = page.locator('#expectations tr[data-expectation="schools_reopen"]');
  await row.locator("input").fill("14");
  await row.locator("button", { hasText: "Set" }).click();
  await planned();
  if (!(await text()).includes('"by": 14')) fail("the deadline did not change in the model");
  same("deadline moved", await pageMoves(), cliMoves(await text(), []));

  // Keep this variant, then force the first move one round later.
  await page.click("#pin");
  await planned();
  const first = page.locator("#moves tbody tr").first();
  const action = await first.getAttribute("data-action");
  const round = Number(await first.getAttribute("data-round")) + 1;
  await first.locator("input").fill(String(round));
  await first.locator("button", { hasText: "Force" }).click();
  await planned();
  const forced = await pageMoves();
  if (!forced.includes(round + " " + action)) fail("the forced move is not in the plan");
  same("move forced", forced, cliMoves(await text(), ["--force", action + "@" + round]));
  if ((await page.locator("#compare > div").count()) !== 2) fail("no side-by-side view");

  // Check a student's plan, placed on the timeline: the optimum's moves,
  // one of them a round late.
  const optimum = cliMoves(await text(), []);
  for (const [i, move] of optimum.entries()) {
    const [r, id] = move.split(" ");
    const placed = i === 0 ? Number(r) + 1 : Number(r);
    await page.click('#timeline button[data-action="' + id + '"][data-round="' + placed + '"]');
  }
  await page.click("#proposal-check");
  await page.waitForFunction(() => document.getElementById("check-result").textContent.length > 0, null, { timeout: 60000 });
  const checked = await page.textContent("#check-result");
  if (!checked.includes("Check of")) fail("no check shown: " + checked);
  const [, lateId] = optimum[0].split(" ");
  const file = join(work, "student.txt");
  writeFileSync(file, optimum.map((m, i) => {
    const [r, id] = m.split(" ");
    return (i === 0 ? Number(r) + 1 : r) + " " + id;
  }).sort((a, b) => Number(a.split(" ")[0]) - Number(b.split(" ")[0])).join("\n") + "\n");
  writeFileSync(join(work, "model.json"), await text());
  let expected;
  try {
    expected = execFileSync(seqplan, ["check", join(work, "model.json"), file, "--time-limit", "10"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch (e) {
    expected = e.stdout.toString(); // exit 1: the plan breaks rules
  }
  // The same report but for its first line, which names the plan's file.
  const body = (t) => t.split("\n").slice(1).join("\n");
  if (!checked.includes(lateId)) fail("the check does not name the move placed late");
  if (body(checked) !== body(expected)) fail("the check differs from the command line's:\n" + checked + "\n---\n" + expected);

  const screenshot = process.env.SCREENSHOT || join(work, "serve.png");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshot });

  // A model whose every name is markup: shown as text, never run.
  const attack = "<img src=x onerror=\"window.__attacked=1\">";
  const hostile = {
    seqplan: 1, name: attack, horizon: 3,
    parties: [{ id: "p", name: attack }],
    meters: [{ id: "m", name: attack }],
    actions: [{ id: "a", name: attack, by: "p", effects: [{ meter: "m", add: 1 }] }],
    expectations: [{ id: "e", name: attack, meter: "m", at_least: 1, by: 3 }],
    red_lines: [{ id: "r", name: attack, meter: "m", never_above: 5 }],
  };
  await page.fill("#model-text", JSON.stringify(hostile, null, 2));
  await planned();
  const attacked = await page.evaluate(() => window.__attacked === 1
    || [...document.querySelectorAll("img")].some((i) => i.hasAttribute("onerror")));
  if (attacked) fail("a model's text became markup");
  if (errors.length) fail("page errors:\n" + errors.join("\n"));
  console.log("browser test: seqplan serve at " + address + " planned, moved a deadline, forced a move, compared and checked as the command line does"
    + (process.env.SCREENSHOT ? "; screenshot " + screenshot : ""));
} finally {
  await browser.close();
  server.kill();
}
