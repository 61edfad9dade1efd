//! The stand-ins of BPJS (Antrean Online tasks, HFIS) and SATUSEHAT, for the live demo:
//!
//! ```text
//! cargo run --example standins            # prints the settings, keeps running
//! # in another shell: paste the printed export lines, then
//! cargo run --release -- demo
//! ```
//!
//! They check what the real systems check (signature, token, fields, order), print a line
//! per request, and list what they received at `GET <address>/_diterima`. The addresses
//! default to 127.0.0.1:18081 (BPJS) and 127.0.0.1:18082 (SATUSEHAT); set
//! `STANDINS_BPJS_BIND` / `STANDINS_SATUSEHAT_BIND` to change them. The same code serves
//! the integration tests (`tests/standins/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/standins/mod.rs"]
mod standins;

fn main() -> std::io::Result<()> {
    let bind = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let bpjs = bind("STANDINS_BPJS_BIND", "127.0.0.1:18081");
    let sehat = bind("STANDINS_SATUSEHAT_BIND", "127.0.0.1:18082");
    actix_web::rt::System::new().block_on(async move {
        let running = standins::demo::start(&bpjs, &sehat, true)?;
        println!("Stand-in BPJS antreanrs + HFIS : {}", running.bpjs_url);
        println!("Stand-in SATUSEHAT             : {}", running.sehat_url);
        println!(
            "Yang diterima / what arrived   : {0}/_diterima  {1}/_diterima",
            running.bpjs_url, running.sehat_url
        );
        println!();
        println!("# Export these before `sipoli demo` (same shell):");
        print!("{}", running.exports());
        println!();
        println!("# Ctrl-C stops the stand-ins. One line per request follows.");
        tokio::signal::ctrl_c().await?;
        Ok(())
    })
}
