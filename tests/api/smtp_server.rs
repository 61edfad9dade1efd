//! A small SMTP server on loopback, written for the tests (and the notification benchmark):
//! EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It keeps every accepted message and can
//! refuse the next transactions with a chosen reply (4xx: try later, 5xx: never).
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and MIME body), dot-stuffing undone.
    pub data: String,
}

impl Received {
    /// A header's value (unfolded), e.g. `Subject`.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| decode_words(v.trim()))
        })
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The decoded text of the part with this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        let boundary = self
            .data
            .split("boundary=")
            .nth(1)?
            .trim_start_matches('"')
            .split(['"', '\r', '\n', ';'])
            .next()?
            .to_string();
        self.data.split(&format!("--{boundary}")).find_map(|part| {
            let (head, body) = part.split_once("\r\n\r\n")?;
            let head_lower = head.to_ascii_lowercase();
            if !head_lower.contains(&format!("content-type: {content_type}")) {
                return None;
            }
            Some(if head_lower.contains("content-transfer-encoding: quoted-printable") {
                quoted_printable(body)
            } else if head_lower.contains("content-transfer-encoding: base64") {
                base64_text(body)
            } else {
                body.trim_end_matches("\r\n").to_string()
            })
        })
    }

    pub fn text(&self) -> String {
        self.part("text/plain").unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.part("text/html").unwrap_or_default()
    }
}

fn base64_text(body: &str) -> String {
    use base64::Engine;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(compact).unwrap_or_default();
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n").trim_end().to_string()
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=` / `=?utf-8?q?…?=`) in a header.
fn decode_words(value: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    for word in value.split(' ') {
        let decoded = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?=")).and_then(|w| {
            let mut parts = w.splitn(3, '?');
            let (_charset, enc, text) = (parts.next()?, parts.next()?, parts.next()?);
            match enc {
                "b" | "B" => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).to_string()),
                _ => Some(quoted_printable(&text.replace('_', " "))),
            }
        });
        match decoded {
            Some(d) => out.push_str(&d),
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
    }
    out
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refusals: Arc<AtomicUsize>,
    refusal: Arc<Mutex<String>>,
    connections: Arc<AtomicUsize>,
}

impl SmtpServer {
    /// Listen on a free loopback port; serve each connection in its own task.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let port = listener.local_addr().expect("address").port();
        let server = SmtpServer {
            port,
            received: Arc::default(),
            refusals: Arc::default(),
            refusal: Arc::new(Mutex::new("451 4.3.0 Server busy, try again later".into())),
            connections: Arc::default(),
        };
        let me = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                me.connections.fetch_add(1, Ordering::SeqCst);
                let me = me.clone();
                tokio::spawn(async move {
                    let _ = me.serve(stream).await;
                });
            }
        });
        server
    }

    /// `SMTP_URL` for this server (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Refuse the next `n` transactions at `MAIL FROM` with `reply` (e.g. "451 …", "550 …").
    pub fn refuse_next(&self, n: usize, reply: &str) {
        *self.refusal.lock().expect("lock") = reply.to_string();
        self.refusals.store(n, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Messages addressed to `to`.
    pub fn messages_to(&self, to: &str) -> Vec<Received> {
        self.messages().into_iter().filter(|m| m.to.iter().any(|t| t == to)).collect()
    }

    async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sipoli-test ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_string();
            let verb = command.split([' ', ':']).next().unwrap_or("").to_ascii_uppercase();
            let reply: String = match verb.as_str() {
                "EHLO" => {
                    "250-sipoli-test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8".into()
                }
                "HELO" => "250 sipoli-test".into(),
                "MAIL" => {
                    let refuse = self
                        .refusals
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if refuse {
                        self.refusal.lock().expect("lock").clone()
                    } else {
                        from = address(&command);
                        to.clear();
                        "250 2.1.0 OK".into()
                    }
                }
                "RCPT" => {
                    to.push(address(&command));
                    "250 2.1.5 OK".into()
                }
                "DATA" => {
                    write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        let text = line.strip_prefix('.').unwrap_or(&line);
                        data.push_str(text);
                    }
                    self.received.lock().expect("lock").push(Received {
                        from: from.clone(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    "250 2.0.0 Queued".into()
                }
                "RSET" => {
                    to.clear();
                    "250 2.0.0 OK".into()
                }
                "NOOP" => "250 2.0.0 OK".into(),
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => "502 5.5.2 Command not recognised".into(),
            };
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        }
    }
}

/// The address inside `MAIL FROM:<…>` / `RCPT TO:<…>`.
fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_string())
        .unwrap_or_default()
}
