//! Tickets on an ESC/POS thermal printer on the LAN (raw TCP, usually port 9100): a large
//! ticket number, the facts, the QR code by the printer's own `GS ( k` command, and a cut.
//! Before printing, the printer is asked for its paper sensor (`DLE EOT 4`); a printer that
//! answers "paper out" is reported as such, one that cannot be reached as unreachable, so
//! that the kiosk or the desk can fall back to browser printing.
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long to wait for a printer to accept a connection or answer.
const TIMEOUT: Duration = Duration::from_secs(3);

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const LF: u8 = 0x0a;

pub use crate::domain::printer::{PrinterAddr, PrinterProblem};

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("printer not reachable: {0}")]
    Unreachable(#[from] std::io::Error),
    #[error("printer is out of paper")]
    PaperOut,
}

impl PrinterError {
    pub fn problem(&self) -> PrinterProblem {
        match self {
            PrinterError::Unreachable(_) => PrinterProblem::Unreachable,
            PrinterError::PaperOut => PrinterProblem::PaperOut,
        }
    }

    /// What the kiosk screen and the console say.
    pub fn message(&self, en: bool) -> &'static str {
        self.problem().message(en)
    }
}

/// What goes on a printed ticket (already in the ticket's language).
#[derive(Debug, Clone)]
pub struct Slip {
    pub heading: String,
    pub ticket: String,
    /// Label and value lines: clinic, doctor, payer, date, estimate, code…
    pub facts: Vec<(String, String)>,
    /// Encoded in the QR code: the status page's address.
    pub qr: String,
    pub footer: String,
}

/// The ESC/POS bytes of a ticket.
pub fn slip_bytes(slip: &Slip) -> Vec<u8> {
    let mut out = vec![ESC, b'@', ESC, b'a', 1];
    text(&mut out, &slip.heading);
    out.extend([GS, b'!', 0x33, ESC, b'E', 1]);
    text(&mut out, &slip.ticket);
    out.extend([GS, b'!', 0x00, ESC, b'E', 0, ESC, b'a', 0]);
    for (label, value) in &slip.facts {
        text(&mut out, &format!("{label}: {value}"));
    }
    out.extend([ESC, b'a', 1]);
    qr_code(&mut out, slip.qr.as_bytes());
    text(&mut out, &slip.footer);
    // Feed past the cutter, then a partial cut.
    out.extend([ESC, b'd', 3, GS, b'V', 66, 0]);
    out
}

/// One line of text in the printer's basic code page: ASCII, with the few non-ASCII marks
/// tickets use replaced.
fn text(out: &mut Vec<u8>, line: &str) {
    for ch in line.chars() {
        out.push(match ch {
            '–' | '—' => b'-',
            '·' => b'-',
            c if c.is_ascii() && !c.is_ascii_control() => c as u8,
            _ => b'?',
        });
    }
    out.push(LF);
}

/// `GS ( k`: model 2, module size 6, error correction M, store the data, print it.
fn qr_code(out: &mut Vec<u8>, data: &[u8]) {
    let len = data.len() + 3;
    let (pl, ph) = ((len % 256) as u8, (len / 256) as u8);
    out.extend([GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    out.extend([GS, b'(', b'k', 3, 0, 49, 67, 6]);
    out.extend([GS, b'(', b'k', 3, 0, 49, 69, 49]);
    out.extend([GS, b'(', b'k', pl, ph, 49, 80, 48]);
    out.extend_from_slice(data);
    out.extend([GS, b'(', b'k', 3, 0, 49, 81, 48]);
}

/// Print a ticket: ask for the paper sensor, then send the slip.
pub async fn print(addr: &PrinterAddr, slip: &Slip) -> Result<(), PrinterError> {
    let connect = TcpStream::connect((addr.host.as_str(), addr.port));
    let mut stream = tokio::time::timeout(TIMEOUT, connect)
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    stream.write_all(&[DLE, EOT, 4]).await?;
    let mut status = [0u8; 1];
    // A printer that does not answer status requests is assumed to have paper.
    let answer = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut status)).await;
    if let Ok(read) = answer
        && read? == 1
        && paper_out(status[0])
    {
        return Err(PrinterError::PaperOut);
    }
    tokio::time::timeout(TIMEOUT, stream.write_all(&slip_bytes(slip)))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    stream.shutdown().await?;
    Ok(())
}

/// `DLE EOT 4` answer: bits 5 and 6 set = paper end detected.
fn paper_out(status: u8) -> bool {
    status & 0x60 == 0x60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_sensor() {
        assert!(paper_out(0x72));
        assert!(!paper_out(0x12));
    }
}
