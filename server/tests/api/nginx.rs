//! The Docs page's nginx `auth_request` configuration, run by a real nginx (Debian's package)
//! between a consumer and a stub upstream, against a real Portico.

use crate::gateway::{basic, fixture};
use crate::support::Backend;
use crate::support::portal::{gateway_token, sandbox_key};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_auth_request_lets_valid_credentials_through_with_their_facts() {
    let f = fixture(Backend::Sqlite).await;
    let token = gateway_token(&f.operator, "Sandbox").await;
    let key = sandbox_key(&f.owner).await;

    // The upstream answers with the headers it received.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_address = upstream.local_addr().unwrap();
    let echo = axum::Router::new().fallback(|headers: HeaderMap| async move {
        let seen: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or(""))))
            .collect();
        axum::Json(Value::Object(seen))
    });
    tokio::spawn(async move { axum::serve(upstream, echo).await });

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let site = app::docs::pages::NGINX_CONF
        .replace("listen 443 ssl;", &format!("listen 127.0.0.1:{port};"))
        .lines()
        .filter(|line| !line.trim_start().starts_with("ssl_certificate"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("http://portico:3000", &format!("http://{}", f.app.address))
        .replace("gt_production_…", &token)
        .replace("http://digital-banking-api:8080", &format!("http://{upstream_address}"));
    assert!(
        site.contains(&token) && site.contains(&upstream_address.to_string()),
        "{site}"
    );
    let dir = std::env::temp_dir().join(format!("portico-test-nginx-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{site}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .expect("nginx is installed (the README's test command installs it)");
    let mut child = tokio::process::Command::new(nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // One process (`master_process off`), so killing it leaves no worker behind.
        .kill_on_drop(true)
        .spawn()
        .expect("nginx starts");

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/accounts");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while client.get(&url).send().await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nginx did not start: {:?}",
            std::fs::read_to_string(dir.join("error.log"))
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let through = client
        .get(&url)
        .header("x-api-key", &key.secret)
        .header("x-portico-application", "forged")
        .send()
        .await
        .unwrap();
    assert_eq!(through.status(), 200);
    assert_eq!(through.headers()["x-ratelimit-limit"], "600");
    let seen: Value = through.json().await.unwrap();
    assert_eq!(
        seen["x-portico-application"],
        key.application.as_str(),
        "a consumer cannot forge it"
    );
    assert_eq!(seen["x-portico-partner"], "acme.example");
    assert_eq!(seen["x-portico-product"], "digital-banking");
    assert_eq!(seen["x-portico-environment"], "sandbox");
    assert!(
        seen.get("x-api-key").is_none(),
        "the secret does not reach the upstream: {seen}"
    );

    let by_basic = client
        .get(&url)
        .header("authorization", basic(&key.public_key, &key.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(by_basic.status(), 200);

    for refused in [
        client.get(&url).send().await.unwrap(),
        client
            .get(&url)
            .header("x-api-key", "sk_sandbox_nonsense")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(refused.status(), 401);
        assert_eq!(
            refused.json::<Value>().await.unwrap(),
            json!({ "error": "unauthorized" })
        );
    }

    let _ = child.kill().await;
    f.app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
