//! Runs the `oha` load generator and reads its JSON report. oha is a separate process, so its own
//! work never runs on the server's threads; on a small machine it still shares the cores, which
//! is why every figure the benchmark reports is a ratio of two runs made the same way.

use crate::support::process::ServerProcess;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::process::Command;

/// The CPUs oha is confined to (`taskset` syntax), when the benchmark keeps it off the server's.
pub static CPUS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Connections kept open during a run: enough to keep two cores busy, few enough that oha's own
/// bookkeeping stays small.
const CONNECTIONS: &str = "32";

/// One request shape: a URL of a server process and the headers sent with every request.
#[derive(Clone, Debug)]
pub struct Target {
    pub label: &'static str,
    pub url: String,
    /// The process answering, whose CPU time is measured during each run.
    pub server_pid: u32,
    pub headers: Vec<(String, String)>,
    /// The status every answer must have; a run that saw another is not a measurement of this target.
    pub expected_status: u16,
}

impl Target {
    pub fn new(label: &'static str, server: &ServerProcess, path: &str, expected_status: u16) -> Self {
        Self {
            label,
            url: server.url(path),
            server_pid: server.pid(),
            headers: Vec::new(),
            expected_status,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// How the load is applied: as fast as the server answers, or at a fixed rate.
#[derive(Clone, Copy, Debug)]
pub enum Load {
    Saturating,
    /// Requests per second, scheduled on a clock: a slow answer does not delay the next request,
    /// and latencies are measured from when a request was due (no coordinated omission).
    FixedRate(u64),
}

#[derive(Clone, Debug)]
pub struct Report {
    pub requests_per_second: f64,
    pub p99: Duration,
    /// CPU time the server spent per answered request (user and system, its share of the kernel's
    /// network work included).
    pub server_cpu_per_request: Duration,
    /// The same for the load generator, which shares the machine's cores with the server.
    pub generator_cpu_per_request: Duration,
}

pub async fn version() -> Option<String> {
    let output = Command::new("oha").arg("--version").output().await.ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Loads `target` for `length` and returns what oha measured; panics if any answer had another
/// status than the target expects, or failed for another reason than the run ending.
pub async fn run(target: &Target, load: Load, length: Duration) -> Report {
    let mut command = match CPUS.get() {
        Some(cpus) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", cpus, "oha"]);
            taskset
        }
        None => Command::new("oha"),
    };
    command
        .args(["--no-tui", "--output-format", "json", "-c", CONNECTIONS])
        .args(["-z", &format!("{}ms", length.as_millis())]);
    if let Load::FixedRate(rate) = load {
        command.args(["-q", &rate.to_string(), "--latency-correction"]);
    }
    for (name, value) in &target.headers {
        command.args(["-H", &format!("{name}: {value}")]);
    }
    command.arg(&target.url);
    let (server_before, generator_before) = (cpu_time(target.server_pid, false), cpu_time_of_children());
    let output = command
        .output()
        .await
        .expect("run oha (is it installed? see README § Performance)");
    let (server_after, generator_after) = (cpu_time(target.server_pid, false), cpu_time_of_children());
    assert!(
        output.status.success(),
        "oha failed on {}: {}",
        target.label,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("oha writes JSON");
    check_answers(target, &report);
    let answered: u64 = report["statusCodeDistribution"]
        .as_object()
        .map(|counts| counts.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
        .max(1);
    let per_request = |before: Duration, after: Duration| after.saturating_sub(before).div_f64(answered as f64);
    Report {
        server_cpu_per_request: per_request(server_before, server_after),
        generator_cpu_per_request: per_request(generator_before, generator_after),
        requests_per_second: report["summary"]["requestsPerSec"]
            .as_f64()
            .expect("oha reports requests per second"),
        p99: Duration::from_secs_f64(
            report["latencyPercentiles"]["p99"]
                .as_f64()
                .expect("oha reports a 99th percentile"),
        ),
    }
}

fn check_answers(target: &Target, report: &Value) {
    let statuses: BTreeMap<String, u64> = report["statusCodeDistribution"]
        .as_object()
        .map(|counts| {
            counts
                .iter()
                .map(|(status, count)| (status.clone(), count.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let expected = target.expected_status.to_string();
    assert!(
        statuses.keys().all(|status| *status == expected) && statuses.contains_key(&expected),
        "{}: expected only {expected} answers, oha saw {statuses:?}",
        target.label
    );
    // Requests still in flight when the run's time is up are cut off by oha; nothing else may fail.
    let errors = report["errorDistribution"].as_object().cloned().unwrap_or_default();
    let unexpected: Vec<_> = errors.keys().filter(|error| !error.contains("deadline")).collect();
    assert!(unexpected.is_empty(), "{}: oha saw errors {errors:?}", target.label);
}

/// User plus system CPU time of process `pid` (fields 14 and 15 of `/proc/<pid>/stat`), or of
/// its finished children (fields 16 and 17) with `children`. The fields count in USER_HZ, which
/// Linux fixes at 100 for `/proc`.
fn cpu_time(pid: u32, children: bool) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may contain spaces; the fields after it may not.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    let first = if children { 13 } else { 11 };
    let ticks = fields.get(first).copied().unwrap_or(0) + fields.get(first + 1).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// CPU time of this process's finished children: the oha runs.
fn cpu_time_of_children() -> Duration {
    cpu_time(std::process::id(), true)
}
