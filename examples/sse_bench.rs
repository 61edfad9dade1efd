//! SSE fan-out benchmark: N concurrent clients on one node, K calls; prints connect time,
//! delivery latency (staff call → event at every client, p50/p99/max) and memory.
//!
//! ```sh
//! cargo run --release --example sse_bench -- 2000 20     # clients, calls
//! cargo run --example sse_bench -- 200 5                  # debug build, smaller
//! ```
//!
//! It uses `DATABASE_URL` or the managed cluster under `var/pg`, in a database of its own
//! (`sipoli_sse_bench`, dropped and made afresh each run). The clients run in a second
//! process (this program started again with `--clients PORT SESSION N`), so the node's
//! memory figure is the node's alone and each process stays under its open-file limit
//! (`ulimit -n` above N + 100). Each client is a plain TCP connection reading the stream.
//! Delivery times are taken on the system clock of both processes (same machine).
//!
//! The clients' process reads the streams on one thread per core, each with its share of the
//! clients in one epoll set (`SSE_BENCH_CLIENT_THREADS=1`: one thread reads them all). A
//! thread that finds nothing to read sleeps 500 µs and looks again
//! (`SSE_BENCH_CLIENT_PAUSE_US`), so a frame reaching an idle client wakes nobody: a phone or
//! TV board is woken by its own network card, on its own CPU. With `SSE_BENCH_CLIENT_PAUSE_US=0` each thread instead
//! blocks in `epoll_wait`, and the node's send wakes it, a cost of this one-machine set-up
//! that lands in the node's fan-out.
//!
//! Two delivery times are printed for each frame: when the client read it, and when it
//! reached the client's socket (the kernel's receive timestamp, `SO_TIMESTAMPNS`; on loopback
//! that is during the node's own send). The node and the clients share this machine's cores;
//! a hospital's phones and TV boards have their own. `SSE_BENCH_CLIENT_NICE=19` runs the
//! clients' process at the lowest CPU priority, standing in for that: the node then gets the
//! cores first, and the in-socket time is the node's fan-out (the read time grows, since the
//! clients read only after it).
#![expect(clippy::unwrap_used, reason = "a benchmark: any failure should stop it loudly")]

use std::error::Error;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, TimeZone};
use diesel::prelude::*;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
use serde_json::{Value, json};
use sipoli::app::{self, AppState};
use sipoli::auth::Role;
use sipoli::clock::FixedClock;
use sipoli::config::Settings;
use sipoli::db::{self, schema::*};
use std::io::{IoSliceMut, Write};
use std::os::fd::AsRawFd;
use std::sync::mpsc;

const DB_NAME: &str = "sipoli_sse_bench";

/// CPU time this process has used so far, user and kernel, in microseconds.
fn cpu_micros() -> (i64, i64) {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).unwrap();
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() * 1_000_000 + t.tv_usec();
    (micros(usage.user_time()), micros(usage.system_time()))
}

fn rss_kib() -> u64 {
    rss_at("/proc/self/status")
}

fn rss_of(pid: u32) -> u64 {
    rss_at(&format!("/proc/{pid}/status"))
}

fn rss_at(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The same server as `url`, another database.
fn with_database(url: &str, name: &str) -> String {
    let cut = url.rfind('/').unwrap();
    let (head, tail) = url.split_at(cut);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{head}/{name}{query}")
}

/// A fresh bench database with one clinic, one doctor, one session with room for `calls`.
fn prepare(url: &str, calls: i32) -> Result<(String, i32), Box<dyn Error>> {
    let mut admin = PgConnection::establish(url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        .execute(&mut admin)?;
    diesel::sql_query(format!("CREATE DATABASE {DB_NAME}")).execute(&mut admin)?;
    let bench_url = with_database(url, DB_NAME);
    let mut c = PgConnection::establish(&bench_url)?;
    db::migrate(&mut c)?;
    let clinic: i32 = diesel::insert_into(clinics::table)
        .values((
            clinics::code.eq("BEN"),
            clinics::name.eq("Poli Uji Beban"),
            clinics::prefix.eq("Z"),
            clinics::room.eq("Ruang 9"),
        ))
        .returning(clinics::id)
        .get_result(&mut c)?;
    let doctor: i32 = diesel::insert_into(doctors::table)
        .values((doctors::code.eq("DBEN"), doctors::name.eq("dr. Uji"), doctors::bpjs_code.eq(1)))
        .returning(doctors::id)
        .get_result(&mut c)?;
    let session: i32 = diesel::insert_into(clinic_sessions::table)
        .values((
            clinic_sessions::clinic_id.eq(clinic),
            clinic_sessions::doctor_id.eq(doctor),
            clinic_sessions::service_date.eq(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            clinic_sessions::starts_at.eq(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            clinic_sessions::ends_at.eq(NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            clinic_sessions::quota_jkn.eq(0),
            clinic_sessions::quota_non_jkn.eq(calls),
            clinic_sessions::online_limit.eq(0),
        ))
        .returning(clinic_sessions::id)
        .get_result(&mut c)?;
    sipoli::service::staff::upsert_user(
        &mut c,
        "bench",
        "Bench",
        "bench-password",
        Role::Clinic,
        &["BEN".into()],
    )?;
    Ok((bench_url, session))
}

/// Microseconds since the epoch: comparable between the node's and the clients' processes.
fn unix_micros() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros()
}

/// What the clients have seen: when each client got each call (microseconds since the
/// epoch, 0: not yet), and how many clients have each call. Written without locks, so that the
/// clients' own bookkeeping costs as little as it can on the cores they share with the node.
struct Seen {
    /// `at[round][client]`, when the client read the call; round = the ticket's number − 1.
    at: Vec<Vec<AtomicU64>>,
    /// The same, when the frame reached the client's socket (the kernel's receive time).
    arrived: Vec<Vec<AtomicU64>>,
    count: Vec<AtomicUsize>,
    /// Clients whose stream is open: a call is complete when this many have it.
    open: AtomicUsize,
    /// The rounds every open client has (sent once each).
    complete: mpsc::Sender<usize>,
    /// Set when the run is over: the readers stop.
    stop: AtomicBool,
}

impl Seen {
    fn record(&self, round: usize, client: usize, at: u64, arrived: u64) {
        let (Some(times), Some(count)) = (self.at.get(round), self.count.get(round)) else {
            return;
        };
        self.arrived[round][client].store(arrived, Ordering::Relaxed);
        if times[client].swap(at, Ordering::Relaxed) == 0
            && count.fetch_add(1, Ordering::AcqRel) + 1 == self.open.load(Ordering::Acquire)
        {
            let _ = self.complete.send(round);
        }
    }
}

/// The position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One client's stream.
struct Stream {
    socket: std::net::TcpStream,
    /// This client's place in [`Seen`]'s tables.
    index: usize,
    started: Instant,
    /// Bytes of frames not yet complete; a read usually holds one whole frame.
    buf: Vec<u8>,
    open: bool,
}

impl Stream {
    /// Connect and ask for the session's event stream; the answer is read later.
    fn connect(port: u16, session: i32, index: usize) -> std::io::Result<Self> {
        let started = Instant::now();
        let mut socket = std::net::TcpStream::connect(("127.0.0.1", port))?;
        let request = format!(
            "GET /api/v1/sessions/{session}/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"
        );
        socket.write_all(request.as_bytes())?;
        socket.set_nonblocking(true)?;
        // The kernel stamps each segment when it reaches this socket (on loopback: while the
        // node's send runs), so the time in the socket is read apart from when this process
        // got round to reading it.
        setsockopt(&socket, sockopt::ReceiveTimestampns, &true)?;
        Ok(Self { socket, index, started, buf: Vec::with_capacity(4096), open: false })
    }

    /// One read (one system call): note the calls in the frames it completes. `false` once
    /// the stream has ended.
    fn read(&mut self, scratch: &mut Scratch, ready: &mpsc::Sender<Duration>, seen: &Seen) -> bool {
        let mut iov = [IoSliceMut::new(&mut scratch.bytes[..])];
        let got = recvmsg::<()>(
            self.socket.as_raw_fd(),
            &mut iov,
            Some(&mut scratch.cmsg),
            MsgFlags::MSG_DONTWAIT,
        )
        .map(|msg| {
            let stamp = msg.cmsgs().ok().and_then(|mut all| {
                all.find_map(|m| match m {
                    ControlMessageOwned::ScmTimestampns(t) => {
                        Some(t.tv_sec() as u64 * 1_000_000 + t.tv_nsec() as u64 / 1000)
                    }
                    _ => None,
                })
            });
            (msg.bytes, stamp)
        });
        let (n, stamp) = match got {
            Ok((0, _)) => return false,
            Ok(got) => got,
            Err(nix::errno::Errno::EAGAIN) => return true,
            Err(_) => return false,
        };
        let at = unix_micros() as u64;
        let arrived = stamp.unwrap_or(at);
        self.buf.extend_from_slice(&scratch.bytes[..n]);
        if !self.open && find(&self.buf, b": sipoli").is_some() {
            self.open = true;
            let _ = ready.send(self.started.elapsed());
        }
        // Whole frames end with a blank line; what follows the last one waits for more.
        let Some(end) = self.buf.windows(2).rposition(|w| w == b"\n\n") else { return true };
        let mut rest = &self.buf[..end];
        // No JSON parsing: only the calls' tickets ("Z-007" → round 6) are looked for.
        while let Some(i) = find(rest, b"data: ") {
            rest = &rest[i + 6..];
            let line = &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())];
            if find(line, b"\"kind\":\"call\"").is_some()
                && let Some(t) = find(line, b"\"ticket\":\"Z-")
            {
                let digits = line[t + 12..].iter().take_while(|b| b.is_ascii_digit());
                let number = digits.fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
                if number > 0 {
                    seen.record(number - 1, self.index, at, arrived);
                }
            }
        }
        self.buf.drain(..end + 2);
        true
    }
}

/// A reader thread's buffers for one read, reused for every stream: a read's bytes are then
/// copied to its stream (nothing is zeroed or allocated per read).
struct Scratch {
    bytes: Box<[u8; 8192]>,
    cmsg: Vec<u8>,
}

/// Connects a reader thread may have waiting for the node's answer (a few threads stay well
/// under the node's accept queue of 2,048).
const CONNECTS_IN_FLIGHT: usize = 256;

/// How a reader thread waits for its streams.
#[derive(Clone, Copy)]
enum Wait {
    /// Block in `epoll_wait`: each frame sent to an idle reader wakes its thread, from within
    /// the node's send.
    Woken,
    /// Look every so often, sleeping in between: a frame sent meanwhile waits in the socket
    /// (with its kernel receive time) and wakes nobody, as on a phone with its own CPU.
    Every(Duration),
}

/// One reader thread: connect its share of the clients (`index`es), then read them all from
/// one epoll set until the run is over.
fn reader(
    port: u16,
    session: i32,
    indices: Vec<usize>,
    wait: Wait,
    ready: mpsc::Sender<Duration>,
    seen: Arc<Seen>,
) {
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).unwrap();
    let mut streams: Vec<Option<Stream>> = Vec::with_capacity(indices.len());
    let mut events = vec![EpollEvent::empty(); 1024];
    let mut scratch =
        Scratch { bytes: Box::new([0; 8192]), cmsg: nix::cmsg_space!(nix::sys::time::TimeSpec) };
    // Reads whatever is ready now; `timeout` 0 never waits.
    let mut pass = |streams: &mut Vec<Option<Stream>>, timeout: EpollTimeout| -> usize {
        let n = epoll.wait(&mut events, timeout).unwrap_or(0);
        for event in &events[..n] {
            let slot = event.data() as usize;
            let Some(stream) = streams[slot].as_mut() else { continue };
            if !stream.read(&mut scratch, &ready, &seen) {
                let _ = epoll.delete(&stream.socket);
                streams[slot] = None;
            }
        }
        n
    };
    for index in indices {
        match Stream::connect(port, session, index) {
            Ok(stream) => {
                let slot = streams.len() as u64;
                epoll.add(&stream.socket, EpollEvent::new(EpollFlags::EPOLLIN, slot)).unwrap();
                streams.push(Some(stream));
            }
            Err(e) => eprintln!("connect: {e}"),
        }
        // Answers are read as they come, so each client's connect time is its own. The kernel
        // completes a connect before the node accepts it: with too many waiting, the node's
        // accept queue overflows and the kernel retries after a second or more. Those
        // seconds would be the kernel's, not the node's.
        pass(&mut streams, EpollTimeout::ZERO);
        while streams.iter().flatten().filter(|s| !s.open).count() > CONNECTS_IN_FLIGHT {
            pass(&mut streams, EpollTimeout::try_from(Duration::from_millis(1)).unwrap());
        }
    }
    while !seen.stop.load(Ordering::Acquire) {
        match wait {
            Wait::Woken => {
                pass(&mut streams, EpollTimeout::try_from(Duration::from_millis(50)).unwrap());
            }
            Wait::Every(pause) => {
                if pass(&mut streams, EpollTimeout::ZERO) == 0 {
                    std::thread::sleep(pause);
                }
            }
        }
    }
}

/// The clients' process: open `n` streams, say when they are open (`open COUNT TOTAL_MS P50_MS
/// P99_MS`), then for each call say when every client has it (`got TICKET COUNT`), and at the
/// end every delivery time (`times TICKET MICROS…`, one line per call).
fn clients_process(port: u16, session: i32, n: usize, rounds: usize, threads: usize, wait: Wait) {
    use std::io::Write;
    let (ready_tx, ready_rx) = mpsc::channel();
    let (complete, completed) = mpsc::channel();
    let seen = Arc::new(Seen {
        at: (0..rounds).map(|_| (0..n).map(|_| AtomicU64::new(0)).collect()).collect(),
        arrived: (0..rounds).map(|_| (0..n).map(|_| AtomicU64::new(0)).collect()).collect(),
        count: (0..rounds).map(|_| AtomicUsize::new(0)).collect(),
        open: AtomicUsize::new(usize::MAX),
        complete,
        stop: AtomicBool::new(false),
    });
    let all = Instant::now();
    let readers: Vec<_> = (0..threads)
        .map(|t| {
            let indices = (t..n).step_by(threads).collect();
            let (ready, seen) = (ready_tx.clone(), seen.clone());
            std::thread::spawn(move || reader(port, session, indices, wait, ready, seen))
        })
        .collect();
    drop(ready_tx);
    let mut connects = Vec::with_capacity(n);
    while connects.len() < n {
        match ready_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(d) => connects.push(d),
            Err(_) => break,
        }
    }
    let total = all.elapsed();
    connects.sort();
    let open = connects.len();
    seen.open.store(open, Ordering::Release);
    let mut out = std::io::stdout();
    writeln!(
        out,
        "open {} {:.1} {:.1} {:.1}",
        open,
        total.as_secs_f64() * 1000.0,
        percentile(&connects, 0.5).as_secs_f64() * 1000.0,
        percentile(&connects, 0.99).as_secs_f64() * 1000.0
    )
    .unwrap();
    out.flush().unwrap();
    let ticket = |round: usize| format!("Z-{:03}", round + 1);
    for _ in 0..rounds {
        match completed.recv_timeout(Duration::from_secs(15)) {
            Ok(round) => {
                writeln!(out, "got {} {open}", ticket(round)).unwrap();
                out.flush().unwrap();
            }
            Err(_) => break,
        }
    }
    seen.stop.store(true, Ordering::Release);
    for reader in readers {
        let _ = reader.join();
    }
    for (label, table) in [("times", &seen.at), ("arrived", &seen.arrived)] {
        for (round, times) in table.iter().enumerate() {
            let list: Vec<String> = times
                .iter()
                .map(|t| t.load(Ordering::Relaxed))
                .filter(|&t| t > 0)
                .map(|t| t.to_string())
                .collect();
            writeln!(out, "{label} {} {}", ticket(round), list.join(" ")).unwrap();
        }
    }
    writeln!(out, "end").unwrap();
    out.flush().unwrap();
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--clients") {
        let mut n = args.skip(1).map(|a| a.parse::<usize>().unwrap());
        let (port, session, clients, rounds) =
            (n.next().unwrap(), n.next().unwrap(), n.next().unwrap(), n.next().unwrap());
        let (threads, wait) = client_settings();
        clients_process(port as u16, session as i32, clients, rounds, threads, wait);
        return Ok(());
    }
    actix_web::rt::System::new().block_on(node(args))
}

/// How the clients read: `SSE_BENCH_CLIENT_THREADS` reader threads (default one per core, so
/// that the clients read each frame as it arrives) that look every `SSE_BENCH_CLIENT_PAUSE_US`
/// microseconds (default 500; 0: each thread blocks and is woken by the first frame that
/// reaches any of its streams).
fn client_settings() -> (usize, Wait) {
    let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let threads = number("SSE_BENCH_CLIENT_THREADS")
        .map(|t| t.max(1) as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let wait = match number("SSE_BENCH_CLIENT_PAUSE_US").unwrap_or(500) {
        0 => Wait::Woken,
        us => Wait::Every(Duration::from_micros(us)),
    };
    (threads, wait)
}

/// The node: the server, the database, the calls; the clients run in a second process.
async fn node(
    mut args: std::iter::Peekable<impl Iterator<Item = String>>,
) -> Result<(), Box<dyn Error>> {
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let rounds: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut settings = Settings::from_env()?;
    // One kiosk takes every walk-in ticket of the run at once.
    settings.limits.kiosk = sipoli::limits::Rate::OFF;
    let url = settings.resolve_database_url()?;
    let (bench_url, session) = prepare(&url, rounds)?;

    let clock = FixedClock::new(
        chrono_tz::Asia::Jayapura.with_ymd_and_hms(2026, 12, 1, 8, 30, 0).unwrap().to_utc(),
    );
    let pool = db::pool(&bench_url, 10)?;
    let state = AppState::new(pool, settings, Arc::new(clock));
    state.live.listen(bench_url.clone());
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let application = app::build(state.clone(), listener)?;
    let port = application.port;
    let server = application.server.handle();
    actix_web::rt::spawn(application.server);
    while !state.live.is_listening() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    // Walk-in tickets come from a paired kiosk only.
    let pairing = sipoli::domain::booking_code::BookingCode::generate();
    let now = state.now();
    sipoli::db::kiosks::insert(
        &mut PgConnection::establish(&bench_url)?,
        "Anjungan Bench",
        &[],
        pairing.as_str(),
        now + chrono::Duration::minutes(15),
        None,
        now,
    )?;
    let paired: Value = http
        .post(format!("{base}/api/v1/kiosk/pair"))
        .json(&json!({"pairing_code": pairing.as_str()}))
        .send()
        .await?
        .json()
        .await?;
    let kiosk = format!("Kiosk {}", paired["token"].as_str().unwrap());
    for _ in 0..rounds {
        let res = http
            .post(format!("{base}/api/v1/kiosk/tickets"))
            .header("Authorization", &kiosk)
            .json(&json!({"session_id": session, "payer": "non_jkn"}))
            .send()
            .await?;
        assert_eq!(res.status(), 201, "walk-in ticket");
    }
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "bench", "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap().to_string();

    let rss_before = rss_kib();
    // The clients: this program again, as a second process.
    let nice = std::env::var("SSE_BENCH_CLIENT_NICE").unwrap_or_else(|_| "0".into());
    let mut child = std::process::Command::new("nice")
        .args(["-n", &nice])
        .arg(std::env::current_exe()?)
        .args(["--clients", &port.to_string(), &session.to_string()])
        .args([clients.to_string(), rounds.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let child_pid = child.id();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = async |lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>, secs: u64| {
        tokio::time::timeout(Duration::from_secs(secs), lines.recv()).await.ok().flatten()
    };
    let open_line = next_line(&mut lines, 120).await.unwrap_or_default();
    let open: Vec<f64> = open_line.split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
    let connected = open.first().copied().unwrap_or(0.0) as usize;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_connected = rss_kib();
    let clients_rss = rss_of(child_pid);

    let cpu_before = cpu_micros();
    let mut called_at: Vec<(String, u128)> = Vec::new();
    for _ in 0..rounds {
        let t0 = unix_micros();
        let called: Value = http
            .post(format!("{base}/api/v1/staff/sessions/{session}/call-next"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await?
            .json()
            .await?;
        let ticket = called["ticket"].as_str().unwrap_or_default().to_string();
        called_at.push((ticket.clone(), t0));
        // The next call once every client has this one (or after 10 s).
        while let Some(line) = next_line(&mut lines, 10).await {
            if line.starts_with(&format!("got {ticket} ")) {
                break;
            }
        }
    }
    let (user, system) = cpu_micros();
    let node_cpu = (user - cpu_before.0, system - cpu_before.1);
    // Read by the client, and in the client's socket (the kernel's receive time).
    let mut latencies: Vec<Duration> = Vec::with_capacity(clients * rounds as usize);
    let mut arrivals: Vec<Duration> = Vec::with_capacity(clients * rounds as usize);
    let mut missing = 0usize;
    while let Some(line) = next_line(&mut lines, 60).await {
        if line == "end" {
            break;
        }
        let mut parts = line.split_whitespace();
        let into = match parts.next() {
            Some("times") => &mut latencies,
            Some("arrived") => &mut arrivals,
            _ => continue,
        };
        let ticket = parts.next().unwrap_or_default();
        let Some((_, t0)) = called_at.iter().find(|(t, _)| t == ticket) else { continue };
        let before = into.len();
        into.extend(
            parts
                .map(|at| at.parse::<u128>().unwrap())
                .map(|at| Duration::from_micros(at.saturating_sub(*t0) as u64)),
        );
        if line.starts_with("times") {
            missing += connected.saturating_sub(into.len() - before);
        }
    }
    let _ = child.wait();
    let connects_total = Duration::from_secs_f64(open.get(1).copied().unwrap_or(0.0) / 1000.0);
    let connect_p50 = Duration::from_secs_f64(open.get(2).copied().unwrap_or(0.0) / 1000.0);
    let connect_p99 = Duration::from_secs_f64(open.get(3).copied().unwrap_or(0.0) / 1000.0);
    latencies.sort();
    arrivals.sort();

    println!(
        "SSE fan-out on one node ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    let (threads, wait) = client_settings();
    let reading = match wait {
        Wait::Woken => "woken by each frame".to_string(),
        Wait::Every(pause) => format!("looking every {} µs", pause.as_micros()),
    };
    println!(
        "clients connected      {connected} of {clients} (in a second process, nice {nice}, {threads} reader thread{} {reading})",
        if threads == 1 { "" } else { "s" }
    );
    println!(
        "connect                all in {}, per client p50 {} p99 {}",
        ms(connects_total),
        ms(connect_p50),
        ms(connect_p99)
    );
    println!(
        "call → delivery        {} deliveries over {rounds} calls: p50 {} p99 {} max {}{}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        if missing > 0 { format!(" ({missing} not delivered)") } else { String::new() }
    );
    println!(
        "  of which in socket   p50 {} p99 {} max {} (the kernel's receive time: sent by the node, not yet read by the client)",
        ms(percentile(&arrivals, 0.5)),
        ms(percentile(&arrivals, 0.99)),
        ms(arrivals.last().copied().unwrap_or_default()),
    );
    println!(
        "  first in a socket    {} (the call's request, transaction and NOTIFY, before the fan-out)",
        ms(arrivals.first().copied().unwrap_or_default()),
    );
    let grown = rss_connected.saturating_sub(rss_before);
    println!(
        "node memory (RSS)      {} MiB before clients, {} MiB with them: +{} KiB, {:.1} KiB per client (the node alone)",
        rss_before / 1024,
        rss_connected / 1024,
        grown,
        grown as f64 / connected.max(1) as f64
    );
    println!("clients' process RSS   {} MiB", clients_rss / 1024);
    let frames = latencies.len().max(1) as f64;
    println!(
        "node CPU per frame     {:.1} µs: user {:.1}, kernel {:.1} (over the calls, the calls' own requests included; on loopback the kernel part includes the client side's receive)",
        (node_cpu.0 + node_cpu.1) as f64 / frames,
        node_cpu.0 as f64 / frames,
        node_cpu.1 as f64 / frames,
    );
    server.stop(false).await;
    let mut admin = PgConnection::establish(&url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        .execute(&mut admin)?;
    Ok(())
}
