/**
 * A real `duplex serve` for the live tests: the built binary, echo agents, a SQLite
 * store in a temp dir and a random port, which a restart keeps (so a client can resume).
 * One connector per behaviour the tests need, each under its own path prefix.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SECRET = "sdk-live-secret";

const CONFIG = (db: string) => `
store = "sqlite://${db}"

[connectors.main]
path = "/ws"
agents = ["echo"]
secrets_env = ["SDK_LIVE_SECRET"]

[connectors.mounted]
path = "/chat/support"
agents = ["echo"]
streaming = false
secrets_env = ["SDK_LIVE_SECRET"]

[connectors.plain]
path = "/plain/ws"
agents = ["echo"]
streaming = false
secrets_env = ["SDK_LIVE_SECRET"]

[connectors.strict]
path = "/strict/ws"
agents = ["slow"]
secrets_env = ["SDK_LIVE_SECRET"]
max_message_size = 1024
when_busy = "reject"
auth_timeout = "300ms"

[connectors.limited]
path = "/limited/ws"
agents = ["echo"]
secrets_env = ["SDK_LIVE_SECRET"]
max_messages = 2

[connectors.expiring]
path = "/expiring/ws"
agents = ["echo"]
secrets_env = ["SDK_LIVE_SECRET"]
session_timeout = "500ms"

[connectors.failing]
path = "/failing/ws"
agents = ["broken", "sleepy"]
secrets_env = ["SDK_LIVE_SECRET"]

[agents.echo]
kind = "echo"
delay = "20ms"

[agents.slow]
kind = "echo"
delay = "100ms"
chunks = 5

[agents.broken]
kind = "echo"
fail_after = 1

[agents.sleepy]
kind = "echo"
delay = "5s"
timeout = "200ms"
`;

export class Server {
  readonly #binary: string;
  readonly #work: string;
  readonly #config: string;
  #child: ChildProcess | undefined;
  #listen = "127.0.0.1:0";
  /** `ws://127.0.0.1:<port>`; add a connector's prefix (`/strict`) for the others. */
  url = "";

  private constructor(binary: string) {
    this.#binary = binary;
    this.#work = mkdtempSync(join(tmpdir(), "duplex-sdk-ts-"));
    this.#config = join(this.#work, "duplex.toml");
    writeFileSync(this.#config, CONFIG(join(this.#work, "duplex.db")));
  }

  /** Starts the binary at `$DUPLEX_BIN`. */
  static async start(): Promise<Server> {
    const binary = process.env.DUPLEX_BIN;
    if (binary === undefined) {
      throw new Error(
        "set DUPLEX_BIN to the built duplex binary (scripts/test-sdks.sh does)",
      );
    }
    const server = new Server(binary);
    await server.#spawn();
    return server;
  }

  async #spawn(): Promise<void> {
    const child = spawn(
      this.#binary,
      ["serve", "--config", this.#config, "--listen", this.#listen],
      {
        env: { ...process.env, SDK_LIVE_SECRET: SECRET },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.#child = child;
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr += String(d)));
    const address = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(
        () => reject(new Error(`duplex serve did not start:\n${stderr}`)),
        30_000,
      );
      child.stdout?.on("data", (d) => {
        stdout += String(d);
        const found = /listening on http:\/\/(\S+)/.exec(stdout);
        if (found?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      child.on("exit", (code) =>
        reject(new Error(`duplex serve exited (${code}):\n${stderr}`)),
      );
    });
    this.#listen = address;
    this.url = `ws://${address}`;
  }

  /** Kills the server with SIGKILL: connections drop with no close frame. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** Starts it again on the same port with the same store. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#work, { recursive: true, force: true });
  }
}
