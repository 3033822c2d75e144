// The web chat page in a real browser against a real `duplex serve` with the echo agent.
//
// Needs: the `duplex` binary, Debian's chromium and playwright-core (see harness.mjs).
// Run: node --test web/tests/
// Screenshots go to $DUPLEX_ARTIFACTS (default <target dir>/artifacts): chat.png and
// chat-reloaded.png.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { artifacts, launchBrowser, root, startServer } from "./harness.mjs";

const SECRET = "web-test-secret";

function files(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

test("web/dist is what web/build.sh compiles from web/src and sdks/typescript", () => {
  const fresh = mkdtempSync(join(tmpdir(), "duplex-web-dist-"));
  try {
    execFileSync("bash", [join(root, "web/build.sh"), fresh], { cwd: root, stdio: "inherit" });
    const built = files(fresh);
    const committed = files(join(root, "web/dist"));
    const problems = [];
    for (const [path, text] of built) {
      if (!committed.has(path)) problems.push(`web/dist/${path}: missing`);
      else if (committed.get(path) !== text) problems.push(`web/dist/${path}: differs`);
    }
    for (const path of committed.keys()) {
      if (!built.has(path)) problems.push(`web/dist/${path}: stale`);
    }
    assert.deepEqual(problems, [], `web/dist is stale; run web/build.sh and commit web/dist:\n${problems.join("\n")}`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

let server;
let baseUrl;
let browser;

before(async () => {
  server = await startServer(
    [
      "[connectors.web]",
      'path = "/ws"',
      'agents = ["echo"]',
      'secrets_env = ["DUPLEX_WEB_TEST_SECRET"]',
      "[agents.echo]",
      'kind = "echo"',
      'delay = "40ms"',
    ],
    { DUPLEX_WEB_TEST_SECRET: SECRET },
  );
  baseUrl = server.baseUrl;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a person authenticates, chats, cancels, reloads and sees the history", async () => {
  // A fresh context is a fresh profile: no storage from earlier runs.
  const context = await browser.newContext({ viewport: { width: 420, height: 860 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });

  await page.goto(baseUrl + "/");
  await page.fill("#secret", SECRET);
  await page.click("#auth button[type=submit]");
  await page.waitForSelector('#state[data-state="connected"]');
  const sessionId = (await page.textContent("#session-id")).trim();
  assert.match(sessionId, /\S{8,}/, "the session id is shown");
  assert.equal((await page.textContent("#agents")).trim(), "echo");

  // A streamed reply: seen part-way (streaming…) and then complete, labelled, with usage.
  await page.fill("#input", "hello streaming world");
  await page.click("#send");
  const reply = page.locator("#log li.agent").first();
  await reply.locator(".meta", { hasText: "streaming" }).waitFor();
  const partial = await reply.locator(".text").textContent();
  await reply.locator(".usage", { hasText: "completed" }).waitFor();
  assert.equal((await reply.locator(".text").textContent()).trim(), "hello streaming world");
  assert.ok(partial.length < "hello streaming world".length, `seen mid-stream: ${JSON.stringify(partial)}`);
  assert.equal(await reply.locator(".who").textContent(), "echo");
  assert.match(await reply.locator(".usage").textContent(), /\d+ prompt \+ \d+ completion = \d+ tokens/);

  // Cancel a long reply.
  const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
  await page.fill("#input", words);
  await page.click("#send");
  const second = page.locator("#log li.agent").nth(1);
  await second.locator("button.cancel").click();
  await second.locator(".usage", { hasText: "cancelled" }).waitFor();
  assert.ok((await second.locator(".text").textContent()).length < words.length, "cancelled part-way");

  // Agent output is text: markup in a message shows up literally.
  await page.fill("#input", "<b>bold</b>");
  await page.click("#send");
  const third = page.locator("#log li.agent").nth(2);
  await third.locator(".usage", { hasText: "completed" }).waitFor();
  assert.equal(await third.locator("b").count(), 0, "no element was made from agent output");

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "chat.png"), fullPage: true });

  // Reload: same tab storage, so it resumes the session and shows the history.
  await page.reload();
  await page.waitForSelector('#state[data-state="connected"]');
  assert.equal((await page.textContent("#session-id")).trim(), sessionId, "the session is resumed");
  await page.locator("#log li.agent").nth(2).waitFor();
  assert.equal(await page.locator("#log li.user").count(), 3);
  assert.equal((await page.locator("#log li.agent .text").first().textContent()).trim(), "hello streaming world");
  assert.match(await page.locator("#log li.agent .usage").nth(1).textContent(), /cancelled/);

  await page.screenshot({ path: join(artifacts, "chat-reloaded.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a wrong secret is a readable error and asks again", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(baseUrl + "/chat/web");
  await page.fill("#secret", "not-the-secret");
  await page.click("#auth button[type=submit]");
  await page.locator("#errors", { hasText: "unauthorized" }).waitFor();
  assert.equal(await page.isVisible("#secret"), true, "the secret is asked again");
  await context.close();
});
