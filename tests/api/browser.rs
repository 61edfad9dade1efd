//! Real headless Chromium for page and kiosk tests: chromedriver (Debian `chromium-driver`)
//! started on a free port, driven by fantoccini. Screenshots go to `target/screenshots/`.
//! CI installs Chromium; a machine without it fails these tests loudly (never skips).
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub struct Browser {
    pub client: Client,
    driver: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A fresh headless Chromium with a window of `width` × `height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (Debian: apt-get install chromium chromium-driver)");
        let mut caps = serde_json::Map::new();
        let mut options = json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            format!("--window-size={width},{height}"), "--lang=id-ID", "--hide-scrollbars",
        ]});
        // Headless windows are at least 500 px wide: phone sizes need device emulation.
        if width < 500 {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}});
        }
        caps.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Browser { client, driver },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer: {last:?}");
    }

    /// Save a screenshot of the viewport as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Wait for an element matching the CSS selector: up to 20 s, because a page on the
    /// 2-core CI machine under a full parallel test run can take several seconds to appear.
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// The text of the whole page body.
    /// A page that is being replaced (a form post, a reload) has no body for a moment; the
    /// text is read again until the new page has one.
    pub async fn body_text(&self) -> String {
        for _ in 0..100 {
            let read = self
                .client
                .execute("return document.body ? document.body.innerText : null", vec![])
                .await;
            if let Ok(Value::String(text)) = read {
                return text;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the page never had a body to read");
    }

    /// Run one Chrome DevTools command through chromedriver (`goog/cdp/execute`).
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Make the page's viewport exactly `width` × `height` CSS pixels (a headless window's
    /// viewport is smaller than the window by its chrome).
    pub async fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
    }

    /// Print the page to PDF as Chromium's print dialog would (the page's own `@page` size,
    /// no header or footer); also saved as `target/screenshots/{name}.pdf`.
    pub async fn print_pdf(&self, name: &str) -> std::path::PathBuf {
        use base64::Engine;
        let out = self
            .cdp(
                "Page.printToPDF",
                json!({"preferCSSPageSize": true, "printBackground": true,
                       "displayHeaderFooter": false}),
            )
            .await;
        let data = out["data"].as_str().unwrap_or_else(|| panic!("no PDF: {out}"));
        let pdf = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, pdf).unwrap();
        path
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A chromedriver extension command: `POST /session/{id}/goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

#[actix_web::test]
async fn chromium_reaches_the_app() {
    let app = crate::helpers::TestApp::spawn().await;
    let browser = Browser::start(360, 740).await;
    browser.client.goto(&app.url("/healthz")).await.unwrap();
    browser.wait_css("body").await;
    assert!(browser.body_text().await.contains("ok"), "{}", browser.body_text().await);
    browser.screenshot("healthz").await;
    browser.close().await;
}
