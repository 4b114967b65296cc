//! Test support: a real Portico server on a free port against a fresh SQLite file or PostgreSQL
//! database, a real SMTP listener on loopback, and HTTP clients that behave like browsers.
#![allow(dead_code)]

pub mod faults;
pub mod portal;
pub mod process;
pub mod smtp;

use app::backend::AppState;
use app::backend::settings::{GatewaySettings, RateLimitSettings, Secret, Settings};
use leptos::config::LeptosOptions;
use rand::Rng as _;
use reqwest::header::{ACCEPT, ORIGIN, REFERER};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::startup::Application;
use smtp::SmtpSink;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PASSWORD: &str = "violet-otter-carries-17-maps";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one test body against both databases, as two tests named `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::support::within_time_limit(super::$name($crate::support::Backend::Sqlite)).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::support::within_time_limit(super::$name($crate::support::Backend::Postgres)).await
                }
            }
        )*
    };
}

fn random_suffix() -> String {
    let mut rng = rand::thread_rng();
    (0..12).map(|_| char::from(b'a' + rng.gen_range(0..26))).collect()
}

/// A new, empty database of the given kind; returns its URL.
pub async fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("portico-test-{}", random_suffix()));
            std::fs::create_dir_all(&dir).expect("create a temporary directory");
            format!("sqlite://{}/portico.sqlite3?mode=rwc", dir.display())
        }
        Backend::Postgres => {
            let admin_url = std::env::var("PORTICO_TEST_POSTGRES_URL").expect(
                "PORTICO_TEST_POSTGRES_URL must name a PostgreSQL server these tests may create databases on \
                 (the README's test command starts one and sets it)",
            );
            let name = format!("portico_test_{}", random_suffix());
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a test database");
            admin.close().await.ok();
            let (server, _) = admin_url
                .rsplit_once('/')
                .expect("a PostgreSQL URL ends with /database");
            format!("{server}/{name}")
        }
    }
}

#[derive(Clone, Debug)]
pub struct TestConfig {
    pub database_url: String,
    pub smtp_port: u16,
    /// Overrides the base URL (it defaults to the server's own address).
    pub base_url: Option<String>,
    pub rate_limits: RateLimitSettings,
    pub admin_emails: Vec<String>,
    pub gateway: GatewaySettings,
    /// How often workers poll and usage is written (shortened for tests).
    pub worker_poll: Duration,
    pub trusted_proxies: Vec<app::backend::client::ProxyNetwork>,
}

impl TestConfig {
    pub async fn new(backend: Backend, smtp: &SmtpSink) -> Self {
        Self {
            database_url: fresh_database(backend).await,
            smtp_port: smtp.port,
            base_url: None,
            rate_limits: RateLimitSettings {
                window_seconds: 900,
                per_email: 1000,
                per_client: 1000,
            },
            admin_emails: Vec::new(),
            gateway: GatewaySettings {
                record_usage: true,
                failure_alert_threshold: 100,
            },
            worker_poll: Duration::from_millis(100),
            trusted_proxies: Vec::new(),
        }
    }
}

pub struct TestApp {
    pub address: SocketAddr,
    pub base_url: String,
    pub state: AppState,
    pub db: DatabaseConnection,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

/// Everything the servers in this test process log, so tests can prove a secret never appears.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    static BUFFER: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    BUFFER.get_or_init(Default::default)
}

/// Fails a test whose request got no answer, with the servers' latest log lines: a hang is
/// otherwise only "operation timed out".
fn no_answer(request: &str, error: reqwest::Error) -> ! {
    panic!("{request}: {error}\n{}", log_tail())
}

/// The longest any test here may take; the slowest wait for a fresh rate-limit window (a minute).
const TEST_TIME_LIMIT: Duration = Duration::from_secs(240);

/// Runs a test body, failing it with the servers' latest log lines if it has not finished within
/// [`TEST_TIME_LIMIT`]: a test that hangs (on something other than a request, which has its own
/// timeout) must fail where it hangs, not hold the whole run until CI gives up.
pub async fn within_time_limit(test: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(TEST_TIME_LIMIT, test).await.is_err() {
        panic!("the test did not finish within {TEST_TIME_LIMIT:?}\n{}", log_tail());
    }
}

fn log_tail() -> String {
    let logs = captured_logs();
    let lines: Vec<&str> = logs.lines().collect();
    let tail = lines[lines.len().saturating_sub(300)..].join("\n");
    format!("--- the last log lines of this test process ---\n{tail}")
}

/// A log writer that keeps a copy of every line (at every level, DEBUG included).
#[derive(Clone)]
struct CapturingWriter;

impl std::io::Write for CapturingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        log_buffer().lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logging() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,sqlx=debug,sea_orm=debug,hyper=info,h2=info",
            ))
            .with_writer(|| CapturingWriter)
            .with_ansi(false)
            .try_init();
    });
}

impl TestApp {
    pub async fn spawn(config: &TestConfig) -> Self {
        init_logging();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let address = listener.local_addr().expect("local address");
        let base_url = config.base_url.clone().unwrap_or_else(|| format!("http://{address}"));
        let settings = Settings {
            database_url: Secret::new(config.database_url.clone()),
            base_url: base_url.clone(),
            smtp_url: Some(Secret::new(format!("smtp://127.0.0.1:{}", config.smtp_port))),
            mail_from: "Portico <no-reply@portico.test>".into(),
            outbox_dir: std::env::temp_dir().join("portico-test-outbox-unused"),
            admin_emails: config.admin_emails.clone(),
            rate_limits: config.rate_limits.clone(),
            gateway: config.gateway.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            terms_version: "2026-11".into(),
        };
        let leptos_options = LeptosOptions::builder()
            .output_name("portico")
            .site_root("target/site")
            .build();
        let application = Application::build(settings, leptos_options, listener)
            .await
            .expect("the application starts")
            .with_worker_poll(config.worker_poll);
        let state = application.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(application.run(async move {
            let _ = stopped.await;
        }));
        Self {
            address,
            base_url,
            db: state.db.clone(),
            state,
            shutdown: Some(stop),
            handle: Some(handle),
        }
    }

    /// Stops the server the way SIGTERM does and waits until it has drained.
    pub async fn stop(mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server ran cleanly");
        }
        self.db.clone().close().await.ok();
    }

    /// A browser with its own cookie jar, talking to this server.
    pub fn browser(&self) -> Browser {
        Browser::new(self)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// An HTTP client that acts like a browser on the portal: it keeps cookies, sends the headers
/// a same-origin request carries, and does not follow redirects so tests can see them.
#[derive(Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    pub origin: String,
    address: SocketAddr,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Self::at(app.address, &app.base_url)
    }

    /// A browser for the server listening on `address` whose base URL is `origin`.
    pub fn at(address: SocketAddr, origin: &str) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Self {
            client,
            origin: origin.to_owned(),
            address,
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let sent = self.client.get(self.url(path)).send().await;
        sent.unwrap_or_else(|error| no_answer(&format!("GET {path}"), error))
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("page body")
    }

    /// Calls a server function the way the hydrated page does (fetch, JSON answer).
    pub async fn call(&self, endpoint: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.call_request(endpoint, fields)
            .send()
            .await
            .unwrap_or_else(|error| no_answer(&format!("POST /api/{endpoint}"), error))
    }

    /// The request [`Browser::call`] sends, for a test to add to before sending it.
    pub fn call_request(&self, endpoint: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ORIGIN, &self.origin)
            .header("sec-fetch-site", "same-origin")
            .header(ACCEPT, "application/json")
            .form(fields)
    }

    /// Posts a form the way a browser without JavaScript does, from the page at `from`.
    /// Calls a server function as [`Browser::call`] does and reads its JSON answer, whatever the
    /// status: an error's JSON says which field was refused.
    pub async fn call_json(&self, endpoint: &str, fields: &[(&str, &str)]) -> serde_json::Value {
        let response = self.call(endpoint, fields).await;
        let status = response.status();
        response
            .json()
            .await
            .unwrap_or_else(|error| panic!("POST /api/{endpoint} answered {status} without JSON: {error}"))
    }

    pub async fn submit(&self, from: &str, endpoint: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ORIGIN, &self.origin)
            .header("sec-fetch-site", "same-origin")
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(REFERER, format!("{}{from}", self.origin))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|error| no_answer(&format!("POST /api/{endpoint}"), error))
    }

    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.call(
            "sign_up",
            &[("full_name", name), ("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.call("sign_in", &[("email", email), ("password", password)]).await
    }

    /// The JSON the `current_user` server function answers: `null` when signed out.
    pub async fn viewer(&self) -> serde_json::Value {
        let response = self.call("current_user", &[]).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON")
    }

    pub async fn is_signed_in(&self) -> bool {
        !self.viewer().await.is_null()
    }

    /// The value of the session cookie this browser holds, if any.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        let url = reqwest::Url::parse(&self.url("/")).ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("portico_session=").map(str::to_owned))
    }

    /// Puts a session cookie into this browser, e.g. one copied from another browser.
    pub fn set_session_cookie(&self, value: &str) {
        let url = reqwest::Url::parse(&self.url("/")).expect("URL");
        self.jar
            .add_cookie_str(&format!("portico_session={value}; Path=/"), &url);
    }
}

/// The one number a query returns, e.g. a `COUNT(*)`.
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row for {sql}"));
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The one text value a query returns, or `None` for no row or NULL.
pub async fn text(app: &TestApp, sql: &str) -> Option<String> {
    let row = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()?;
    row.try_get_by_index::<Option<String>>(0).unwrap()
}

/// The token in a link such as `…/verify?token=abc`.
pub fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("the link carries a token")
        .split(['&', '"', ' '])
        .next()
        .unwrap()
        .to_owned()
}

/// Signs up, follows the emailed verification link and signs in; returns the signed-in browser.
pub async fn verified_user(app: &TestApp, smtp: &SmtpSink, name: &str, email: &str) -> Browser {
    let browser = app.browser();
    let response = browser.sign_up(name, email, PASSWORD).await;
    assert_eq!(response.status(), 200, "sign-up answers 200");
    let mail = smtp.wait_for(email, |m| m.subject.contains("Verify")).await;
    let response = browser
        .call("verify_email", &[("token", &token_of(&mail.link()))])
        .await;
    assert_eq!(response.status(), 200, "verification answers 200");
    let response = browser.sign_in(email, PASSWORD).await;
    assert_eq!(response.status(), 200, "sign-in answers 200");
    browser
}
