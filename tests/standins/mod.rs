//! Stand-ins of the national systems SIPOLI reports to, as real HTTP servers on loopback:
//! BPJS antreanrs with HFIS ([`bpjs`]) and SATUSEHAT ([`satusehat`]). They check what the
//! real systems check (signatures, tokens, field names, order) and keep what they received.
//!
//! One copy, two users: the integration tests (`tests/api/main.rs` includes this directory
//! with `#[path]`) and `cargo run --example standins` ([`demo`]), which runs them for a live
//! `sipoli demo`. Not part of the `sipoli` binary.
pub mod bpjs;
pub mod demo;
pub mod satusehat;

/// One line on standard output when `echo` is on (the example), nothing in the tests.
pub fn echo(on: bool, line: impl FnOnce() -> String) {
    if on {
        println!("{}", line());
    }
}
