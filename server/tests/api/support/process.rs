//! The real `portico` binary as a child process, configured through its environment the way a
//! deployment configures it. Tests use it for what only a process shows (exit status on SIGTERM);
//! the benchmark uses it to measure the server alone, apart from the clients that load it.

use super::Browser;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::process::{Child, Command};

pub struct ServerProcess {
    child: Child,
    pub address: SocketAddr,
    pub base_url: String,
}

impl ServerProcess {
    /// Starts the binary on `port` against `database_url`, with its outbox under `data_dir` and
    /// `extra` on top of that configuration, and waits until it answers.
    pub async fn start(database_url: &str, data_dir: &Path, port: u16, extra: &[(&str, &str)]) -> Self {
        Self::start_on_cpus(None, database_url, data_dir, port, extra).await
    }

    /// [`Self::start`], confined to the CPUs listed (`taskset` syntax, e.g. `0` or `0-3`) when given;
    /// the server then sizes its threads to those CPUs.
    pub async fn start_on_cpus(
        cpus: Option<&str>,
        database_url: &str,
        data_dir: &Path,
        port: u16,
        extra: &[(&str, &str)],
    ) -> Self {
        let base_url = format!("http://127.0.0.1:{port}");
        let binary = env!("CARGO_BIN_EXE_portico");
        let mut command = match cpus {
            Some(cpus) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", cpus, binary]);
                taskset
            }
            None => Command::new(binary),
        };
        command
            .env("DATABASE_URL", database_url)
            .env("PORTICO_OUTBOX_DIR", data_dir.join("outbox"))
            .env("PORTICO_BASE_URL", &base_url)
            .env("LEPTOS_OUTPUT_NAME", "portico")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true);
        for (name, value) in extra {
            command.env(name, value);
        }
        let child = command.spawn().expect("start the server binary");
        let server = Self {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            base_url,
        };
        server.wait_until_it_answers().await;
        server
    }

    async fn wait_until_it_answers(&self) {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while client.get(self.url("/gateway/v1/health")).send().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "the server binary came up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A browser with an empty cookie jar, talking to this process.
    pub fn browser(&self) -> Browser {
        Browser::at(self.address, &self.base_url)
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("a running child")
    }

    /// The process's resident memory in KiB, from `/proc` (Linux).
    pub fn resident_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Sends SIGTERM and waits (at most 15 s) for the process to drain and exit.
    pub async fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().expect("a running child").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "SIGTERM was delivered");
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("the server exits promptly after SIGTERM")
            .expect("the server's exit status")
    }
}
