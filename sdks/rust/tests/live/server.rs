//! A real `duplex serve` for the live tests: the built binary (`$DUPLEX_BIN`), echo
//! agents, a SQLite store in a temp dir and a random port, which a restart keeps (so a
//! client can resume). One connector per behaviour the tests need, under its own prefix.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const SECRET: &str = "sdk-live-secret";

const CONFIG: &str = r#"
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
"#;

/// A running server; killed (and its folder removed) on drop.
pub struct Server {
    binary: String,
    work: PathBuf,
    listen: String,
    child: Option<Child>,
    /// `ws://127.0.0.1:<port>`; add a connector's prefix (`/strict`) for the others.
    pub url: String,
}

impl Server {
    pub fn start(name: &str) -> Server {
        let binary = std::env::var("DUPLEX_BIN")
            .expect("set DUPLEX_BIN to the built duplex binary (scripts/test-sdks.sh does)");
        let work =
            std::env::temp_dir().join(format!("duplex-sdk-rs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).expect("temp dir");
        let store = format!(
            "store = \"sqlite://{}\"\n",
            work.join("duplex.db").display()
        );
        std::fs::write(work.join("duplex.toml"), store + CONFIG).expect("write the config");
        let mut server = Server {
            binary,
            work,
            listen: "127.0.0.1:0".to_owned(),
            child: None,
            url: String::new(),
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut child = Command::new(&self.binary)
            .arg("serve")
            .arg("--config")
            .arg(self.work.join("duplex.toml"))
            .args(["--listen", &self.listen])
            .env("SDK_LIVE_SECRET", SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start duplex serve");
        let stdout = child.stdout.take().expect("stdout");
        let (found, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = found.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(30))
            .expect("duplex serve prints where it listens");
        self.child = Some(child);
        self.listen.clone_from(&address);
        self.url = format!("ws://{address}");
    }

    /// SIGKILL: connections drop with no close frame.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same store.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.work);
    }
}
