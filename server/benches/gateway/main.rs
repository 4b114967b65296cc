//! The gateway benchmark (README § Performance): what verification, usage recording, password
//! hashing and page rendering cost next to the cheapest answers the same server gives. Every
//! figure is a ratio of two measurements made in this run against the same server process, in
//! alternating rounds, so the machine's speed and its drift cancel out. It is not a test: the
//! goals are printed beside the figures, never asserted.
//!
//! `cargo bench -p server --bench gateway [-- --postgres] [--pin] [--seconds N] [--rounds N] [--only gateway|page]`
//!
//! It needs `oha` on PATH (`.ci/bench` installs it and runs this). `--postgres` uses a fresh
//! database on the server named by `PORTICO_TEST_POSTGRES_URL`, as the integration tests do.

#[path = "../../tests/api/support/mod.rs"]
mod support;

mod oha;

use app::credentials::keys::{PlainSecret, SecretKind};
use oha::{Load, Report, Target};
use sea_orm::ConnectionTrait as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::portal::{credential_id, developer, gateway_token, provisioned, register_as, reveal, set_rate_limit};
use support::process::ServerProcess;
use support::smtp::SmtpSink;
use support::{Backend, PASSWORD, TestApp, TestConfig, verified_user};
use tokio::sync::watch;

const APPLICATIONS: usize = 20;
const ENVIRONMENTS: [&str; 3] = ["Sandbox", "Development", "UAT"];
const CONCURRENT_SIGN_INS: usize = 16;
const OWNER: &str = "ada@acme.example";
const OPERATOR: &str = "ops@provider.example";
const WARM_UP: Duration = Duration::from_secs(1);

struct Options {
    backend: Backend,
    /// Servers on CPU 0, oha on the others, so that the generator does not take the server's time.
    pin: bool,
    length: Duration,
    rounds: usize,
    /// Which parts run: both by default; `--only gateway` or `--only page` while working on one.
    gateway: bool,
    page: bool,
}

fn options() -> Options {
    let mut options = Options {
        backend: Backend::Sqlite,
        pin: false,
        length: Duration::from_secs(3),
        rounds: 5,
        gateway: true,
        page: true,
    };
    let mut args = std::env::args().skip(1);
    let number = |name: &str, value: Option<String>| -> u64 {
        value
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| panic!("{name} takes a positive whole number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--postgres" => options.backend = Backend::Postgres,
            "--pin" => options.pin = true,
            "--seconds" => options.length = Duration::from_secs(number("--seconds", args.next())),
            "--rounds" => options.rounds = number("--rounds", args.next()) as usize,
            "--only" => match args.next().as_deref() {
                Some("gateway") => options.page = false,
                Some("page") => options.gateway = false,
                _ => panic!("--only takes gateway or page"),
            },
            // `cargo bench` passes this to every benchmark binary.
            "--bench" => {}
            other => panic!(
                "unknown option {other}: the options are --postgres, --pin, --seconds N, --rounds N, --only gateway|page"
            ),
        }
    }
    options
}

/// What the servers under load work on: an owner of twenty applications in three environments
/// with a signed-in session, one revealed sandbox secret and a sandbox gateway token.
struct Seeded {
    database_url: String,
    session: String,
    secret: String,
    gateway_token: String,
}

/// Builds the data through the portal's own server functions, on an in-process server that is
/// stopped before anything is measured.
async fn seed(backend: Backend) -> Seeded {
    let smtp = SmtpSink::start().await;
    let mut config = TestConfig::new(backend, &smtp).await;
    config.admin_emails = vec![OPERATOR.into()];
    let app = TestApp::spawn(&config).await;
    let owner = developer(&app, &smtp, "Ada", OWNER).await;
    let operator = verified_user(&app, &smtp, "Olive", OPERATOR).await;
    let mut applications = Vec::with_capacity(APPLICATIONS);
    for n in 1..=APPLICATIONS {
        let name = format!("Application {n:02}");
        applications.push(register_as(&owner, &name, "web", "authorization_code", &ENVIRONMENTS).await);
    }
    let mut first = None;
    for application in &applications {
        let details = provisioned(&owner, application).await;
        first.get_or_insert(details);
    }
    let credential = credential_id(&first.expect("twenty applications"), "Sandbox", "Digital Banking");
    let secret = reveal(&owner, &credential, "").await["secret"]
        .as_str()
        .expect("the revealed secret")
        .to_owned();
    let gateway_token = gateway_token(&operator, "Sandbox").await;
    // A saturating run gets more through one key than the Admin form's highest limit (a million a
    // minute), so the rule the form saved is raised in the database: the limiter still does its
    // work (one reservation per thousand requests) but never refuses.
    assert_eq!(
        set_rate_limit(&operator, "Digital Banking", "Sandbox", "1000000").await,
        200
    );
    app.db
        .execute_unprepared("UPDATE rate_limit_rules SET requests_per_minute = 2000000000")
        .await
        .expect("raise the rate limit");
    let session = owner.session_cookie().expect("the owner is signed in");
    app.stop().await;
    Seeded {
        database_url: config.database_url,
        session,
        secret,
        gateway_token,
    }
}

/// One target's runs, one per round.
#[derive(Debug)]
struct Series(Vec<Report>);

impl Series {
    /// Each figure's median over the rounds, for the table of measurements.
    fn median(&self) -> Report {
        let of = |value: &dyn Fn(&Report) -> f64| middle(self.0.iter().map(value).collect());
        let seconds = |d: Duration| d.as_secs_f64();
        Report {
            requests_per_second: of(&|r| r.requests_per_second),
            p99: Duration::from_secs_f64(of(&|r| seconds(r.p99))),
            server_cpu_per_request: Duration::from_secs_f64(of(&|r| seconds(r.server_cpu_per_request))),
            generator_cpu_per_request: Duration::from_secs_f64(of(&|r| seconds(r.generator_cpu_per_request))),
        }
    }
}

/// `metric(a) ÷ metric(b)` in each round, whose two runs were taken one after the other, so that
/// a machine that speeds up or slows down during the benchmark moves both alike.
fn ratio(a: &Series, b: &Series, metric: fn(&Report) -> f64) -> Vec<f64> {
    a.0.iter().zip(&b.0).map(|(a, b)| metric(a) / metric(b)).collect()
}

fn throughput(report: &Report) -> f64 {
    report.requests_per_second
}

fn p99(report: &Report) -> f64 {
    report.p99.as_secs_f64()
}

fn middle(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs every target once per round after a warm-up, in turn: forwards in even rounds and
/// backwards in odd ones (A B, B A, A B…), so that going first or second in a round, on a machine
/// still busy with the previous run, favours no target.
async fn alternate(targets: &[(&Target, Load)], options: &Options) -> Vec<Series> {
    for (target, load) in targets {
        oha::run(target, *load, WARM_UP).await;
    }
    let mut series: Vec<Series> = targets
        .iter()
        .map(|_| Series(Vec::with_capacity(options.rounds)))
        .collect();
    for round in 0..options.rounds {
        let mut order: Vec<usize> = (0..targets.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let (target, load) = targets[index];
            series[index].0.push(oha::run(target, load, options.length).await);
        }
    }
    series
}

/// Signs the owner in from `CONCURRENT_SIGN_INS` fresh browsers at once, over and over, until
/// `stop` turns true; returns how many sign-ins succeeded.
async fn sign_in_storm(server: &ServerProcess, stop: watch::Receiver<bool>) -> usize {
    let workers = (0..CONCURRENT_SIGN_INS).map(|_| {
        // Each browser signs in again and again, as someone whose session ended would; the
        // server checks the password in full every time.
        let browser = server.browser();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut signed_in = 0;
            while !*stop.borrow() {
                assert_eq!(browser.sign_in(OWNER, PASSWORD).await.status(), 200, "sign-in");
                signed_in += 1;
            }
            signed_in
        })
    });
    let mut total = 0;
    for worker in workers.collect::<Vec<_>>() {
        total += worker.await.expect("a sign-in worker");
    }
    total
}

enum Goal {
    AtLeast(f64),
    AtMost(f64),
    /// No goal: a figure printed to explain another.
    Control,
}

/// A ratio: the median of its rounds, with the rounds' spread so that a reader can tell a
/// figure from noise.
struct Figure {
    name: String,
    rounds: Vec<f64>,
    goal: Goal,
}

impl Figure {
    fn line(&self) -> String {
        let median = middle(self.rounds.clone());
        let (goal, verdict) = match self.goal {
            Goal::AtLeast(goal) => (format!(">= {goal}"), if median >= goal { "met" } else { "MISSED" }),
            Goal::AtMost(goal) => (format!("<= {goal}"), if median <= goal { "met" } else { "MISSED" }),
            Goal::Control => (String::new(), ""),
        };
        let lowest = self.rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = self.rounds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!(
            "{:<62} {median:>6.2}  {goal:<8} {verdict:<7} {lowest:.2}-{highest:.2}",
            self.name
        )
    }
}

/// One measurement: throughput, 99th percentile, and CPU per request of server and generator.
fn row(label: &str, load: &str, report: &Report) -> String {
    let micros = |d: std::time::Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
    format!(
        "{:<48} {:>11.0} {:>7.2} ms {:>12} {:>12}",
        format!("{label} ({load})"),
        report.requests_per_second,
        report.p99.as_secs_f64() * 1000.0,
        micros(report.server_cpu_per_request),
        micros(report.generator_cpu_per_request)
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let options = options();
    let Some(oha_version) = oha::version().await else {
        eprintln!(
            "The benchmark needs the oha load generator on PATH: `cargo install --locked oha` (or run `bash .ci/bench`)."
        );
        std::process::exit(2);
    };
    let database = match options.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    eprintln!("seeding a {database} database through the portal…");
    let seeded = seed(options.backend).await;

    let work_dir: PathBuf = std::env::temp_dir().join(format!("portico-bench-{}", std::process::id()));
    let site_root = work_dir.join("site");
    std::fs::create_dir_all(&site_root).expect("create the benchmark's site folder");
    let site_root_setting = site_root.display().to_string();
    // Sign-ins under load must reach the password check rather than the portal's rate limits.
    let common = [
        ("LEPTOS_SITE_ROOT", site_root_setting.as_str()),
        ("PORTICO_RATE_LIMIT_PER_EMAIL", "1000000000"),
        ("PORTICO_RATE_LIMIT_PER_CLIENT", "1000000000"),
    ];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server_cpus = (options.pin && cores > 1).then_some("0");
    if server_cpus.is_some() {
        let _ = oha::CPUS.set(format!("1-{}", cores - 1));
    }
    let recording = ServerProcess::start_on_cpus(
        server_cpus,
        &seeded.database_url,
        &work_dir,
        SmtpSink::unused_port().await,
        &common,
    )
    .await;
    let not_recording = ServerProcess::start_on_cpus(
        server_cpus,
        &seeded.database_url,
        &work_dir,
        SmtpSink::unused_port().await,
        &[common.as_slice(), &[("PORTICO_RECORD_USAGE", "false")]].concat(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_kib = recording.resident_kib().expect("the server's resident memory");

    let mut findings = Findings::default();
    if options.gateway {
        gateway_part(&seeded, &recording, &not_recording, &options, &mut findings).await;
    }
    if options.page {
        page_part(&seeded, &recording, &site_root, &options, &mut findings).await;
    }
    let loaded_kib = recording.resident_kib().expect("the server's resident memory");

    recording.terminate().await;
    not_recording.terminate().await;
    std::fs::remove_dir_all(&work_dir).ok();
    // The seeded SQLite database lives in a folder of its own (PostgreSQL ones stay on the server).
    if let Some(folder) = seeded
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
        .and_then(|file| std::path::Path::new(file).parent())
    {
        std::fs::remove_dir_all(folder).ok();
    }

    let placement = match server_cpus {
        Some(_) => "servers on CPU 0, oha on the others",
        None => "servers and oha share every CPU",
    };
    println!();
    println!(
        "Portico gateway benchmark · {database} · {oha_version} · {cores} cores, {placement} · medians of {} rounds of {} s",
        options.rounds,
        options.length.as_secs()
    );
    println!();
    if cfg!(debug_assertions) {
        println!("An unoptimised build: these figures say nothing about Portico's speed (use `cargo bench`).");
        println!();
    }
    println!("{:<62} {:>6}  {:<16} rounds", "ratio", "median", "goal");
    for figure in &findings.figures {
        println!("{}", figure.line());
    }
    println!();
    println!(
        "idle RSS {:.1} MiB; after the run {:.1} MiB",
        idle_kib as f64 / 1024.0,
        loaded_kib as f64 / 1024.0
    );
    println!();
    println!(
        "measurements (medians of the rounds; each ratio above is the median of its rounds' ratios{})",
        findings
            .remarks
            .iter()
            .map(|remark| format!("; {remark}"))
            .collect::<String>()
    );
    println!(
        "{:<48} {:>11} {:>10} {:>12} {:>12}",
        "", "requests/s", "p99", "server CPU", "oha CPU"
    );
    for (label, load, report) in &findings.rows {
        println!("{}", row(label, load, report));
    }
}

/// What the parts of a run found: ratios against their goals, the measurements behind them, and
/// remarks for the table's heading.
#[derive(Default)]
struct Findings {
    figures: Vec<Figure>,
    rows: Vec<(String, String, Report)>,
    remarks: Vec<String>,
}

impl Findings {
    fn figure(&mut self, name: impl Into<String>, rounds: Vec<f64>, goal: Goal) {
        self.figures.push(Figure {
            name: name.into(),
            rounds,
            goal,
        });
    }

    fn row(&mut self, label: &str, load: &str, series: &Series) {
        self.rows.push((label.to_owned(), load.to_owned(), series.median()));
    }
}

/// Verification against the constant: throughput, usage recording, latency at a fixed rate, and
/// latency beside a crowd signing in.
async fn gateway_part(
    seeded: &Seeded,
    recording: &ServerProcess,
    not_recording: &ServerProcess,
    options: &Options,
    findings: &mut Findings,
) {
    // Every gateway request, the constant's included, carries the same headers, so that the
    // ratios price what verification does rather than the bytes a gateway sends.
    let gateway_request = |label, server: &ServerProcess, path, secret: &str, status| {
        Target::new(label, server, path, status)
            .header("x-portico-gateway-token", &seeded.gateway_token)
            .header("x-api-key", secret)
    };
    let constant = gateway_request("constant", recording, "/gateway/v1/health", &seeded.secret, 200);
    let verify = |server: &ServerProcess, label, secret: &str, status| {
        gateway_request(label, server, "/gateway/v1/verify", secret, status)
    };
    // Well-formed, with a valid checksum, so it gets past the format check to the lookup.
    let unknown_secret = PlainSecret::generate(SecretKind::ApiSecret, "sandbox");
    let valid = verify(recording, "verify, valid key", &seeded.secret, 200);
    let unknown = verify(recording, "verify, unknown key", unknown_secret.expose(), 401);
    let valid_unrecorded = verify(not_recording, "verify, valid key, recording off", &seeded.secret, 200);

    eprintln!("throughput: constant, valid key, unknown key…");
    let [constant_max, valid_max, unknown_max] = alternate(
        &[
            (&constant, Load::Saturating),
            (&valid, Load::Saturating),
            (&unknown, Load::Saturating),
        ],
        options,
    )
    .await
    .try_into()
    .expect("three series");
    findings.figure(
        "verify throughput, valid key ÷ constant",
        ratio(&valid_max, &constant_max, throughput),
        Goal::AtLeast(0.75),
    );
    findings.figure(
        "verify throughput, unknown key ÷ constant",
        ratio(&unknown_max, &constant_max, throughput),
        Goal::AtLeast(0.75),
    );

    eprintln!("throughput: usage recording on and off…");
    let [recorded, unrecorded] = alternate(
        &[(&valid, Load::Saturating), (&valid_unrecorded, Load::Saturating)],
        options,
    )
    .await
    .try_into()
    .expect("two series");
    findings.figure(
        "verify throughput, usage recording on ÷ off",
        ratio(&recorded, &unrecorded, throughput),
        Goal::AtLeast(0.95),
    );

    let half_rate = (constant_max.median().requests_per_second / 2.0).round().max(1.0) as u64;
    eprintln!("latency at {half_rate} requests/s: constant and verify…");
    let [constant_fixed, valid_fixed] = alternate(
        &[
            (&constant, Load::FixedRate(half_rate)),
            (&valid, Load::FixedRate(half_rate)),
        ],
        options,
    )
    .await
    .try_into()
    .expect("two series");
    findings.figure(
        format!("verify p99 ÷ constant p99, both at {half_rate}/s"),
        ratio(&valid_fixed, &constant_fixed, p99),
        Goal::AtMost(1.5),
    );

    // Password hashing takes whole cores by design; what must hold is that a gateway's ordinary
    // traffic keeps its latency beside it, so this runs at a tenth of the constant's maximum. The
    // constant is measured beside verify, idle and busy, as a control: what the sign-ins do to any
    // answer of this server on this machine, which verification's own figure cannot beat.
    let light_rate = (constant_max.median().requests_per_second / 10.0).round().max(1.0) as u64;
    eprintln!(
        "latency at {light_rate} requests/s: verify and constant, idle and during {CONCURRENT_SIGN_INS} concurrent sign-ins…"
    );
    let light_targets = [&valid, &constant];
    let mut idle_runs = [Vec::new(), Vec::new()];
    let mut busy_runs = [Vec::new(), Vec::new()];
    let mut sign_ins = 0;
    let mut storm_time = Duration::ZERO;
    for target in light_targets {
        oha::run(target, Load::FixedRate(light_rate), WARM_UP).await;
    }
    for round in 0..options.rounds {
        // Verify first in even rounds, the constant first in odd ones, as `alternate` does.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            idle_runs[index].push(oha::run(light_targets[index], Load::FixedRate(light_rate), options.length).await);
        }
        let (stop, stopped) = watch::channel(false);
        let started = Instant::now();
        let storm = sign_in_storm(recording, stopped);
        let measured = async {
            // Let every sign-in be underway before measuring.
            tokio::time::sleep(Duration::from_millis(500)).await;
            for index in order {
                busy_runs[index]
                    .push(oha::run(light_targets[index], Load::FixedRate(light_rate), options.length).await);
            }
            let _ = stop.send(true);
        };
        let (completed, ()) = tokio::join!(storm, measured);
        storm_time += started.elapsed();
        sign_ins += completed;
    }
    let [verify_idle, constant_idle] = idle_runs.map(Series);
    let [verify_busy, constant_busy] = busy_runs.map(Series);
    findings.figure(
        format!("verify p99 during {CONCURRENT_SIGN_INS} concurrent sign-ins ÷ idle, at {light_rate}/s"),
        ratio(&verify_busy, &verify_idle, p99),
        Goal::AtMost(2.0),
    );
    findings.figure(
        "  control: constant p99 during the same sign-ins ÷ idle",
        ratio(&constant_busy, &constant_idle, p99),
        Goal::Control,
    );
    findings.remarks.push(format!(
        "the sign-in runs saw {:.1} sign-ins/s",
        sign_ins as f64 / storm_time.as_secs_f64()
    ));

    let fixed = format!("at {half_rate}/s");
    let light = format!("at {light_rate}/s");
    for (label, load, series) in [
        ("constant", "saturating", &constant_max),
        ("verify, valid key", "saturating", &valid_max),
        ("verify, unknown key", "saturating", &unknown_max),
        ("verify, valid key, recording on", "saturating", &recorded),
        ("verify, valid key, recording off", "saturating", &unrecorded),
        ("constant", fixed.as_str(), &constant_fixed),
        ("verify, valid key", fixed.as_str(), &valid_fixed),
        ("verify, idle", light.as_str(), &verify_idle),
        ("verify, during sign-ins", light.as_str(), &verify_busy),
        ("constant, idle", light.as_str(), &constant_idle),
        ("constant, during sign-ins", light.as_str(), &constant_busy),
    ] {
        findings.row(label, load, series);
    }
}

/// The owner's My APIs page, rendered, against the same bytes served as a static file.
async fn page_part(
    seeded: &Seeded,
    recording: &ServerProcess,
    site_root: &std::path::Path,
    options: &Options,
    findings: &mut Findings,
) {
    eprintln!("My APIs page and the same bytes as a static file…");
    let owner = recording.browser();
    owner.set_session_cookie(&seeded.session);
    let page = owner.page("/apis").await;
    for n in 1..=APPLICATIONS {
        assert!(
            page.contains(&format!("Application {n:02}")),
            "the My APIs page lists application {n}"
        );
    }
    std::fs::write(site_root.join("my-apis.html"), &page).expect("write the static copy");
    let rendered = Target::new("My APIs page", recording, "/apis", 200)
        .header("cookie", &format!("portico_session={}", seeded.session));
    let static_copy = Target::new("My APIs page as a static file", recording, "/my-apis.html", 200);
    let [rendered_max, static_max] = alternate(
        &[(&rendered, Load::Saturating), (&static_copy, Load::Saturating)],
        options,
    )
    .await
    .try_into()
    .expect("two series");
    findings.figure(
        format!(
            "My APIs page ({APPLICATIONS} applications × {} environments) ÷ static file",
            ENVIRONMENTS.len()
        ),
        ratio(&rendered_max, &static_max, throughput),
        Goal::AtLeast(0.2),
    );
    findings.remarks.push(format!("the page is {} bytes", page.len()));
    findings.row("My APIs page", "saturating", &rendered_max);
    findings.row("My APIs page as a static file", "saturating", &static_max);
}
