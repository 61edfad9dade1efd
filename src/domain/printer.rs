//! The address of a thermal printer on the LAN: `tcp://host:port` (raw TCP, usually 9100).
//! Kiosks and desks keep one; it is validated here before it is stored.
use super::Invalid;

/// Where a printer listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterAddr {
    pub host: String,
    pub port: u16,
}

pub const BAD_PRINTER: Invalid = Invalid::new(
    "invalid_printer",
    "Alamat printer ditulis tcp://alamat:port, misalnya tcp://192.168.1.50:9100.",
    "Write the printer as tcp://host:port, for example tcp://192.168.1.50:9100.",
);

impl PrinterAddr {
    /// `tcp://host:port`; the port defaults to 9100. Host: a name or an IPv4 address
    /// (letters, digits, dots and hyphens).
    pub fn parse(s: &str) -> Option<PrinterAddr> {
        let rest = s.trim().strip_prefix("tcp://")?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok().filter(|p| *p > 0)?),
            None => (rest, 9100),
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && !host.starts_with(['.', '-'])
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        host_ok.then(|| PrinterAddr { host: host.to_ascii_lowercase(), port })
    }

    /// An optional setting: empty → none; otherwise a valid address or [`BAD_PRINTER`].
    pub fn setting(s: &str) -> Result<Option<PrinterAddr>, Invalid> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        PrinterAddr::parse(s).map(Some).ok_or(BAD_PRINTER)
    }
}

impl std::fmt::Display for PrinterAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tcp://{}:{}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_addresses() {
        assert_eq!(
            PrinterAddr::parse("tcp://10.0.0.7:9100"),
            Some(PrinterAddr { host: "10.0.0.7".into(), port: 9100 })
        );
        assert_eq!(
            PrinterAddr::parse(" tcp://Printer-1 ").map(|a| a.to_string()).as_deref(),
            Some("tcp://printer-1:9100")
        );
        for bad in [
            "http://printer:9100",
            "tcp://:9100",
            "tcp://a b:9100",
            "tcp://p:0",
            "tcp://p:70000",
            "tcp://p/x:9100",
            "tcp://p:91a",
            "printer:9100",
            "tcp://-p:9100",
        ] {
            assert_eq!(PrinterAddr::parse(bad), None, "{bad}");
        }
        assert_eq!(PrinterAddr::setting(""), Ok(None));
        assert_eq!(PrinterAddr::setting("tcp://x").map(|a| a.map(|a| a.port)), Ok(Some(9100)));
        assert!(PrinterAddr::setting("lpt1").is_err());
    }
}

/// Why a thermal printer did not print: what the kiosk screen and the console say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterProblem {
    /// No connection (switched off, wrong address, network down).
    Unreachable,
    /// The printer answered the paper sensor request: paper end.
    PaperOut,
}

impl PrinterProblem {
    pub const ALL: [PrinterProblem; 2] = [PrinterProblem::Unreachable, PrinterProblem::PaperOut];

    pub fn as_str(self) -> &'static str {
        match self {
            PrinterProblem::Unreachable => "unreachable",
            PrinterProblem::PaperOut => "paper_out",
        }
    }

    pub fn parse(s: &str) -> Option<PrinterProblem> {
        match s {
            "unreachable" => Some(PrinterProblem::Unreachable),
            "paper_out" => Some(PrinterProblem::PaperOut),
            _ => None,
        }
    }

    /// The error code of the JSON answer.
    pub fn code(self) -> &'static str {
        match self {
            PrinterProblem::Unreachable => "printer_unreachable",
            PrinterProblem::PaperOut => "printer_paper_out",
        }
    }

    pub fn message(self, en: bool) -> &'static str {
        match (self, en) {
            (PrinterProblem::Unreachable, false) => "Printer tidak terjangkau.",
            (PrinterProblem::Unreachable, true) => "The printer cannot be reached.",
            (PrinterProblem::PaperOut, false) => "Kertas printer habis.",
            (PrinterProblem::PaperOut, true) => "The printer is out of paper.",
        }
    }
}
