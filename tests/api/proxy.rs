//! `deploy/nginx.conf` in front of a node: nginx (on loopback, TLS with a throw-away
//! certificate) passes a booking and a live SSE event through. nginx comes from Debian's
//! package: on PATH, `/usr/sbin/nginx`, or `SIPOLI_NGINX` (`.ci/run` sets it).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;
use crate::node::{Node, TempDir, free_port};

fn nginx_binary() -> PathBuf {
    if let Ok(p) = std::env::var("SIPOLI_NGINX") {
        return PathBuf::from(p);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("nginx")).collect::<Vec<_>>())
        .unwrap_or_default();
    let cache = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/sipoli/nginx/usr/sbin/nginx"));
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin/nginx")])
        .chain(cache)
        .find(|p| p.is_file())
        .expect("nginx is needed: apt-get install nginx, or SIPOLI_NGINX=/path/to/nginx")
}

/// nginx running deploy/nginx.conf with loopback ports; stopped on drop.
struct Nginx {
    child: Child,
    https: u16,
    http: u16,
    _dir: TempDir,
}

impl Nginx {
    fn start(upstream_port: u16) -> Nginx {
        let dir = TempDir::new("nginx");
        let d = dir.0.clone();
        let openssl = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"])
            .args(["-subj", "/CN=localhost", "-keyout"])
            .arg(d.join("key.pem"))
            .arg("-out")
            .arg(d.join("cert.pem"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl makes a test certificate");
        assert!(openssl.success());
        let (https, http) = (free_port(), free_port());
        let site = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf"),
        )
        .expect("deploy/nginx.conf");
        let substitutions = [
            ("server 127.0.0.1:8080", format!("server 127.0.0.1:{upstream_port}")),
            ("listen [::]:80;", String::new()),
            ("listen [::]:443 ssl http2;", String::new()),
            ("listen 80;", format!("listen 127.0.0.1:{http};")),
            ("listen 443 ssl http2;", format!("listen 127.0.0.1:{https} ssl http2;")),
            ("/etc/ssl/certs/sipoli.pem", d.join("cert.pem").display().to_string()),
            ("/etc/ssl/private/sipoli.key", d.join("key.pem").display().to_string()),
        ];
        let mut site = site;
        for (from, to) in substitutions {
            assert!(site.contains(from), "deploy/nginx.conf has {from:?}");
            site = site.replace(from, &to);
        }
        std::fs::write(d.join("site.conf"), site).unwrap();
        let p = d.display();
        let main = format!(
            "worker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log warn;\n\
             events {{ worker_connections 128; }}\n\
             http {{\n  access_log {p}/access.log;\n  client_body_temp_path {p}/body;\n  \
             proxy_temp_path {p}/proxy;\n  fastcgi_temp_path {p}/fastcgi;\n  \
             uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n  include {p}/site.conf;\n}}\n"
        );
        std::fs::write(d.join("nginx.conf"), main).unwrap();
        // Workers run as nobody when started by root: let them use the directory.
        let _ = Command::new("chmod").arg("777").arg(&d).status();
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(&d)
            .arg("-e")
            .arg(d.join("error.log"))
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        Nginx { child, https, http, _dir: dir }
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.https)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_web::test]
async fn nginx_passes_a_booking_and_a_live_event_through() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let node = Node::start(
        &app.db.url,
        &["serve", "--no-worker"],
        &[("SIPOLI_TRUSTED_PROXIES", "127.0.0.1"), ("SIPOLI_BASE_URL", "https://localhost")],
    )
    .await;
    let nginx = Nginx::start(node.port);
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve("localhost", ([127, 0, 0, 1], nginx.https).into())
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = client.get(nginx.url("/healthz")).send().await
            && r.status().is_success()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "nginx answers on its TLS port");

    // Plain http is sent to https.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{}/jadwal", nginx.http))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);

    // A live stream through the proxy, then a booking through the proxy.
    let mut events = client
        .get(nginx.url(&format!("/api/v1/sessions/{}/events", seed.today)))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let first = events.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with("retry: "), "the stream opens at once");

    let booked = client
        .post(nginx.url("/api/v1/bookings"))
        .json(&booking_body(seed.today, 3))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    let h = booked.headers();
    assert_eq!(h["strict-transport-security"], sipoli::security::HSTS);
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-request-id"].to_str().unwrap().len(), 32, "nginx's request id is kept");
    let body: serde_json::Value = booked.json().await.unwrap();
    let code = body["booking_code"].as_str().unwrap().to_string();

    // The booking's event arrives on the open stream, unbuffered.
    let mut seen = String::new();
    let arrived = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(chunk) = events.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("\ndata: ") || seen.starts_with("id: ") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(arrived, Ok(true), "a live event passed through nginx: {seen:?}");

    let status = client.get(nginx.url(&format!("/api/v1/bookings/{code}"))).send().await.unwrap();
    assert_eq!(status.status(), 200);
    let metrics = client.get(nginx.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 404, "metrics are not published through the proxy");
}
