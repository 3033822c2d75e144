// What the browser tests share: a real `duplex serve` started from a config, and
// Debian's headless Chromium driven by playwright-core.
//
// The binary is DUPLEX_BIN, else $CARGO_TARGET_DIR/debug/duplex, else target/debug/duplex
// (build it with `cargo build --workspace`). Screenshots go to $DUPLEX_ARTIFACTS
// (default <target dir>/artifacts).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const binary = process.env.DUPLEX_BIN ?? join(targetDir, "debug/duplex");
export const artifacts = process.env.DUPLEX_ARTIFACTS ?? join(targetDir, "artifacts");

/// Starts `duplex serve` with `config` (TOML lines after the store line) in a fresh
/// directory, `env` added to the environment; resolves to { baseUrl, stop }.
export async function startServer(config, env = {}) {
  assert.ok(existsSync(binary), `${binary} is missing: run \`cargo build --workspace\` or set DUPLEX_BIN`);
  const work = mkdtempSync(join(tmpdir(), "duplex-web-"));
  const file = join(work, "duplex.toml");
  writeFileSync(file, [`store = "sqlite://${join(work, "duplex.db")}"`, ...config, ""].join("\n"));
  const server = spawn(binary, ["serve", "--config", file, "--listen", "127.0.0.1:0"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  server.stderr.on("data", (d) => (stderr += d));
  const stop = () => {
    server.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const baseUrl = await new Promise((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`duplex serve did not start in 60 s:\n${stderr}`)), 60_000);
      server.stdout.on("data", (d) => {
        stdout += d;
        const found = /listening on (http:\/\/\S+)/.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      server.on("exit", (code) => reject(new Error(`duplex serve exited (${code}):\n${stderr}`)));
    });
    return { baseUrl, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/// Debian's Chromium, headless, with the flags this closed network needs.
export async function launchBrowser() {
  assert.ok(existsSync("/usr/bin/chromium"), "/usr/bin/chromium is missing: apt-get install chromium (scripts/setup.sh)");
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
