//! A real SMTP server on loopback that accepts every message and keeps it for the test to read.
//! It speaks just enough of RFC 5321 for lettre: greeting, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

use app::accounts::email::Email;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl ReceivedMail {
    /// The first link in the plain-text part.
    pub fn link(&self) -> String {
        let start = self.text.find("http").expect("the mail contains a link");
        self.text[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Whether the mail went to `address`, compared as Portico compares addresses (so a Unicode
    /// domain matches its punycode form).
    pub fn is_to(&self, address: &str) -> bool {
        let canonical = |a: &str| {
            Email::parse(a)
                .map(|e| e.canonical())
                .unwrap_or_else(|_| a.to_lowercase())
        };
        self.to.iter().any(|to| canonical(to) == canonical(address))
    }
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Listens on `port` (0: any free port).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the SMTP port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let task = tokio::spawn({
            let received = received.clone();
            let arrived = arrived.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let received = received.clone();
                    let arrived = arrived.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, received, arrived).await;
                    });
                }
            }
        });
        Self {
            port,
            received,
            arrived,
            task,
        }
    }

    /// A port on which nothing listens (yet): an SMTP server that is down.
    pub async fn unused_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    }

    pub fn all(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    pub fn to(&self, address: &str) -> Vec<ReceivedMail> {
        self.all().into_iter().filter(|m| m.is_to(address)).collect()
    }

    /// Waits up to 15 s for a message to `address` that `matches`.
    pub async fn wait_for(&self, address: &str, matches: impl Fn(&ReceivedMail) -> bool) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            if let Some(mail) = self.to(address).into_iter().rev().find(|m| matches(m)) {
                return mail;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "no matching mail to {address} arrived; got: {:?}",
                    self.all().iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
                );
            }
        }
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.portico.test ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            write.write_all(b"250-sink.portico.test\r\n250 8BITMIME\r\n").await?;
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            recipients.push(address);
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line
                    .strip_prefix('.')
                    .filter(|rest| rest.starts_with('.'))
                    .unwrap_or(&line);
                data.extend_from_slice(unstuffed.as_bytes());
            }
            let mail = parse(&data, std::mem::take(&mut recipients));
            received.lock().unwrap().push(mail);
            arrived.notify_waiters();
            write.write_all(b"250 OK queued\r\n").await?;
        } else if command == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else if command == "RSET" {
            recipients.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else {
            // HELO, MAIL FROM, NOOP and anything else lettre may send.
            write.write_all(b"250 OK\r\n").await?;
        }
    }
}

fn parse(data: &[u8], to: Vec<String>) -> ReceivedMail {
    let parsed = mailparse::parse_mail(data).expect("a well-formed message");
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key_ref().eq_ignore_ascii_case("subject"))
        .map(|h| h.get_value())
        .unwrap_or_default();
    let mut text = String::new();
    let mut html = String::new();
    for part in parsed.parts() {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().unwrap_or_default(),
            "text/html" => html = part.get_body().unwrap_or_default(),
            _ => {}
        }
    }
    ReceivedMail {
        to,
        subject,
        text,
        html,
    }
}
