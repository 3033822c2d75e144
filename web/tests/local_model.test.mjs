// The web chat page in a real browser against `duplex serve` with the real local model
// (SmolLM2-135M through llama.cpp; the binary must be built with the `local-llm`
// feature, the default, and the model cached by scripts/fetch-model.sh). The model is
// weak, so this checks that a real answer streams in, never its wording.
// Run: node --test web/tests/

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { artifacts, launchBrowser, startServer } from "./harness.mjs";

const SECRET = "web-local-secret";
const model = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "duplex/models/SmolLM2-135M-Instruct.Q4_1.gguf");

let server;
let browser;

before(async () => {
  assert.ok(existsSync(model), `the local model is missing at ${model}: run scripts/fetch-model.sh`);
  server = await startServer(
    [
      "[connectors.web]",
      'path = "/ws"',
      'agents = ["smol"]',
      'secrets_env = ["DUPLEX_WEB_LOCAL_SECRET"]',
      "[agents.smol]",
      'kind = "local"',
      "max_tokens = 48",
      'timeout = "120s"',
    ],
    { DUPLEX_WEB_LOCAL_SECRET: SECRET },
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a real streamed answer from the local model appears, with its usage", { timeout: 240_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

  await page.goto(server.baseUrl + "/");
  await page.fill("#secret", SECRET);
  await page.click("#auth button[type=submit]");
  await page.waitForSelector('#state[data-state="connected"]');
  assert.equal((await page.textContent("#agents")).trim(), "smol");

  await page.fill("#input", "Tell me about the sea in two sentences.");
  await page.click("#send");
  const reply = page.locator("#log li.agent").first();
  // Seen while streaming with some text already in, then complete.
  await reply.locator(".meta", { hasText: "streaming" }).waitFor({ timeout: 120_000 });
  await page.waitForFunction(
    () => (document.querySelector("#log li.agent .text")?.textContent ?? "").trim().length > 0,
    null,
    { timeout: 120_000 },
  );
  await reply.locator(".usage", { hasText: "completed" }).waitFor({ timeout: 120_000 });
  assert.equal(await reply.locator(".who").textContent(), "smol");
  assert.ok((await reply.locator(".text").textContent()).trim().length > 0, "a non-empty answer");
  const usage = await reply.locator(".usage").textContent();
  const [, prompt, completion] = /(\d+) prompt \+ (\d+) completion/.exec(usage) ?? [];
  assert.ok(Number(prompt) > 10, `the rendered chat template is counted: ${usage}`);
  assert.ok(Number(completion) >= 1 && Number(completion) <= 48, usage);

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "chat-local-model.png") });
  assert.deepEqual(problems, []);
  await context.close();
});
