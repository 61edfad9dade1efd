//! ESC/POS tickets against a stand-in thermal printer: a TCP server on loopback that answers
//! the paper-sensor request and parses what it receives (initialise, text, size, QR code,
//! cut), as a real printer would execute it.
use sipoli::screens::escpos::{PrinterAddr, PrinterError, Slip, print};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, PartialEq)]
pub enum Command {
    Init,
    StatusRequest,
    Size(u8),
    Text(String),
    QrStore(String),
    QrPrint,
    Cut,
    Other(u8),
}

/// Parse ESC/POS bytes into the commands a printer would carry out.
pub fn parse(bytes: &[u8]) -> Vec<Command> {
    let mut out = Vec::new();
    let (mut i, mut line) = (0, String::new());
    while i < bytes.len() {
        match bytes[i] {
            0x1b if bytes.get(i + 1) == Some(&b'@') => {
                out.push(Command::Init);
                i += 2;
            }
            0x1b => {
                out.push(Command::Other(bytes[i + 1]));
                i += 3;
            }
            0x10 if bytes.get(i + 1) == Some(&0x04) => {
                out.push(Command::StatusRequest);
                i += 3;
            }
            0x1d if bytes.get(i + 1) == Some(&b'!') => {
                out.push(Command::Size(bytes[i + 2]));
                i += 3;
            }
            0x1d if bytes.get(i + 1) == Some(&b'V') => {
                out.push(Command::Cut);
                i += if bytes[i + 2] >= 65 { 4 } else { 3 };
            }
            0x1d if bytes.get(i + 1) == Some(&b'(') && bytes.get(i + 2) == Some(&b'k') => {
                let len = bytes[i + 3] as usize + 256 * bytes[i + 4] as usize;
                let (cn, func) = (bytes[i + 5], bytes[i + 6]);
                assert_eq!(cn, 49, "QR code function group");
                match func {
                    80 => out.push(Command::QrStore(
                        String::from_utf8(bytes[i + 8..i + 5 + len].to_vec()).unwrap(),
                    )),
                    81 => out.push(Command::QrPrint),
                    _ => {}
                }
                i += 5 + len;
            }
            b'\n' => {
                out.push(Command::Text(std::mem::take(&mut line)));
                i += 1;
            }
            b if (0x20..0x7f).contains(&b) => {
                line.push(b as char);
                i += 1;
            }
            b => panic!("unexpected byte {b:#04x} at {i}"),
        }
    }
    out
}

/// A printer on loopback that answers the paper sensor with `status`; what it received.
pub async fn printer(status: u8) -> (PrinterAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let (mut all, mut buf, mut answered) = (Vec::new(), [0u8; 4096], false);
        loop {
            let n = conn.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            if !answered && all.windows(3).any(|w| w == [0x10, 0x04, 4]) {
                conn.write_all(&[status]).await.unwrap();
                answered = true;
            }
        }
        all
    });
    (PrinterAddr::parse(&format!("tcp://127.0.0.1:{port}")).unwrap(), received)
}

fn slip() -> Slip {
    Slip {
        heading: "RSUD Mimika · SIPOLI".into(),
        ticket: "B-007".into(),
        facts: vec![
            ("Poli".into(), "Poli Anak · Ruang 2".into()),
            ("Pembayaran".into(), "JKN (BPJS)".into()),
            ("Tanggal".into(), "Selasa, 1 Desember 2026 07:30 WIT".into()),
        ],
        qr: "https://sipoli.example/antrean/4ZGSMAF0".into(),
        footer: "Silakan duduk di ruang tunggu poli.".into(),
    }
}

#[actix_web::test]
async fn a_ticket_prints_on_an_escpos_printer() {
    let (addr, received) = printer(0x12).await;
    print(&addr, &slip()).await.expect("printed");
    let commands = parse(&received.await.unwrap());
    assert_eq!(commands[0], Command::StatusRequest, "asks for paper first: {commands:?}");
    assert_eq!(commands[1], Command::Init, "{commands:?}");
    let big = commands.iter().position(|c| *c == Command::Size(0x33)).expect("a large number");
    assert_eq!(commands[big + 2], Command::Text("B-007".into()), "{commands:?}");
    for line in ["Poli: Poli Anak - Ruang 2", "Pembayaran: JKN (BPJS)", "RSUD Mimika - SIPOLI"] {
        assert!(commands.contains(&Command::Text(line.into())), "no {line:?}: {commands:?}");
    }
    let store = commands
        .iter()
        .position(|c| *c == Command::QrStore("https://sipoli.example/antrean/4ZGSMAF0".into()))
        .expect("the QR code by the printer's own command");
    assert_eq!(commands[store + 1], Command::QrPrint);
    assert_eq!(commands.last(), Some(&Command::Cut), "{commands:?}");
}

#[actix_web::test]
async fn a_printer_out_of_paper_is_reported_and_nothing_is_sent() {
    let (addr, received) = printer(0x72).await;
    let err = print(&addr, &slip()).await.unwrap_err();
    assert!(matches!(err, PrinterError::PaperOut), "{err:?}");
    assert_eq!(err.message(false), "Kertas printer habis.");
    assert_eq!(parse(&received.await.unwrap()), vec![Command::StatusRequest]);
}

#[actix_web::test]
async fn an_unreachable_printer_is_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = PrinterAddr::parse(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let err = print(&addr, &slip()).await.unwrap_err();
    assert!(matches!(err, PrinterError::Unreachable(_)), "{err:?}");
    assert_eq!(err.message(false), "Printer tidak terjangkau.");
}

#[actix_web::test]
async fn the_counter_desk_prints_on_its_thermal_printer_or_falls_back() {
    use crate::helpers::{TestApp, seed};
    use crate::pages::{Visitor, hidden, make_staff};
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (status, placed) = app
        .post_json(
            "/api/v1/kiosk/tickets",
            &serde_json::json!({"session_id": seed.today, "payer": "jkn"}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let code = placed["booking_code"].as_str().unwrap().to_string();
    let id = app.visit_id(&code);
    make_staff(&app, "meja1", sipoli::auth::Role::Registration, &[]);
    let mut v = Visitor::new(&app);
    v.login("meja1", "rahasia-uji").await;
    let page = v.get(&format!("/staff/tiket/{id}")).await;
    let csrf = hidden(&page.body, "csrf");
    let (addr, received) = printer(0x12).await;
    let printer_url = format!("tcp://{}:{}", addr.host, addr.port);
    let res = v
        .post(&format!("/staff/tiket/{id}/cetak"), &[("csrf", &csrf), ("printer", &printer_url)])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let commands = parse(&received.await.unwrap());
    assert!(commands.contains(&Command::Text("B-001".into())), "{commands:?}");
    assert!(commands.contains(&Command::Text("Pembayaran: JKN (BPJS)".into())), "{commands:?}");
    assert!(
        commands.iter().any(
            |c| matches!(c, Command::QrStore(url) if url.ends_with(&format!("/antrean/{code}")))
        ),
        "{commands:?}"
    );
    assert_eq!(commands.last(), Some(&Command::Cut));
    // The desk remembers its printer.
    let page = v.get(&format!("/staff/tiket/{id}?ok=printed")).await;
    assert!(page.body.contains(&format!("value=\"{printer_url}\"")), "{}", page.body);
    assert!(page.body.contains("Tiket terkirim ke printer."));
    // The printer is gone: the page says so and browser printing stays.
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let res = v
        .post(
            &format!("/staff/tiket/{id}/cetak"),
            &[("csrf", &csrf), ("printer", &format!("tcp://127.0.0.1:{gone}"))],
        )
        .await;
    assert_eq!(res.status, 503);
    assert!(res.body.contains("Printer tidak terjangkau."), "{}", res.body);
    assert!(res.body.contains("window.print()"), "browser printing stays");
}
