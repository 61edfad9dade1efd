//! The words of a spoken call on the TV board: "Nomor antrean B nol nol tujuh, silakan ke
//! Poli Anak, ruang dua". Each word is one recorded clip (`kiosk/audio/id/{word}.wav`);
//! the server joins the clips, so a board needs no speech voice of its own.
//!
//! Ticket numbers are read digit by digit, the way halls call them; numbers in a place or a
//! room ("Ruang 12", "Loket 3") as Indonesian numbers ("dua belas", "tiga"). A short
//! all-capital word without a clip of its own ("THT") is spelled letter by letter.

use super::Invalid;

const DIGITS: [&str; 10] =
    ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];

/// What is said for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call<'a> {
    /// `B-007`, `INT-012`.
    pub ticket: &'a str,
    /// Where to go: "Poli Anak", "Loket Pendaftaran".
    pub place: &'a str,
    /// The room or desk, if any: "Ruang 2", "Loket 3".
    pub room: &'a str,
    pub recall: bool,
}

pub const BAD_TICKET: Invalid = Invalid::new(
    "invalid_ticket",
    "Nomor antrean tidak sah (contoh: B-007).",
    "Not a valid ticket number (for example B-007).",
);
pub const BAD_PLACE: Invalid = Invalid::new(
    "invalid_place",
    "Nama tempat terlalu panjang atau berisi tanda yang tidak dapat diucapkan.",
    "The place name is too long or holds marks that cannot be spoken.",
);

/// The clip names of a call, in order. `has_clip` tells which words have a clip: a word
/// without one is spelled (short capitals) or left out (the banner still shows it).
pub fn clip_names(call: &Call, has_clip: impl Fn(&str) -> bool) -> Result<Vec<String>, Invalid> {
    let ticket = call.ticket.trim();
    let valid = (2..=10).contains(&ticket.len())
        && ticket.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && ticket.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return Err(BAD_TICKET);
    }
    for text in [call.place, call.room] {
        if text.chars().count() > 80 || text.chars().any(char::is_control) {
            return Err(BAD_PLACE);
        }
    }
    let mut out: Vec<String> = Vec::new();
    if call.recall {
        out.extend(["panggilan", "ulang"].map(String::from));
    }
    out.extend(["nomor", "antrean"].map(String::from));
    for ch in ticket.chars().filter(char::is_ascii_alphanumeric) {
        match ch.to_digit(10) {
            Some(d) => out.push(DIGITS[d as usize].to_string()),
            None => out.push(letter(ch)),
        }
    }
    out.extend(["silakan", "ke"].map(String::from));
    place_words(call.place, &has_clip, &mut out);
    // "Ruang 2" at "Poli Anak, Ruang 2"; nothing when the room repeats the place.
    if !call.room.trim().is_empty()
        && !call.place.to_lowercase().contains(&call.room.to_lowercase())
    {
        place_words(call.room, &has_clip, &mut out);
    }
    Ok(out)
}

fn letter(ch: char) -> String {
    format!("huruf_{}", ch.to_ascii_lowercase())
}

/// The words of a place or room name: numbers as numbers, short capitals spelled, words
/// without a clip left out.
fn place_words(text: &str, has_clip: &impl Fn(&str) -> bool, out: &mut Vec<String>) {
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if let Ok(n) = word.parse::<u32>() {
            out.extend(number_words(n));
            continue;
        }
        let lower = word.to_lowercase();
        if has_clip(&lower) {
            out.push(lower);
        } else if word.len() <= 4 && word.chars().all(|c| c.is_ascii_uppercase()) {
            out.extend(word.chars().map(letter));
        }
    }
}

/// An Indonesian number (0–999; larger ones digit by digit): 12 → "dua belas",
/// 105 → "seratus lima".
pub fn number_words(n: u32) -> Vec<String> {
    let s = |w: &str| w.to_string();
    match n {
        0..=9 => vec![s(DIGITS[n as usize])],
        10 => vec![s("sepuluh")],
        11 => vec![s("sebelas")],
        12..=19 => vec![s(DIGITS[(n - 10) as usize]), s("belas")],
        20..=99 => {
            let mut w = vec![s(DIGITS[(n / 10) as usize]), s("puluh")];
            if !n.is_multiple_of(10) {
                w.push(s(DIGITS[(n % 10) as usize]));
            }
            w
        }
        100..=999 => {
            let mut w = if n / 100 == 1 {
                vec![s("seratus")]
            } else {
                vec![s(DIGITS[(n / 100) as usize]), s("ratus")]
            };
            if !n.is_multiple_of(100) {
                w.extend(number_words(n % 100));
            }
            w
        }
        _ => n
            .to_string()
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| s(DIGITS[d as usize]))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: &str) -> bool {
        true
    }

    fn said(ticket: &str, place: &str, room: &str, recall: bool) -> String {
        clip_names(&Call { ticket, place, room, recall }, |w| w != "tht").unwrap().join(" ")
    }

    #[test]
    fn calls_read_digit_by_digit() {
        assert_eq!(
            said("B-007", "Poli Anak", "Ruang 2", false),
            "nomor antrean huruf_b nol nol tujuh silakan ke poli anak ruang dua"
        );
        assert_eq!(
            said("INT-012", "Poli Penyakit Dalam", "Ruang 12", true),
            "panggilan ulang nomor antrean huruf_i huruf_n huruf_t nol satu dua silakan ke \
             poli penyakit dalam ruang dua belas"
        );
        assert_eq!(
            said("P-120", "Loket Pendaftaran", "Loket 3", false),
            "nomor antrean huruf_p satu dua nol silakan ke loket pendaftaran loket tiga"
        );
        assert_eq!(
            said("F-001", "Poli THT", "", false),
            "nomor antrean huruf_f nol nol satu silakan ke poli huruf_t huruf_h huruf_t"
        );
    }

    #[test]
    fn numbers() {
        let n = |x| number_words(x).join(" ");
        assert_eq!(n(10), "sepuluh");
        assert_eq!(n(11), "sebelas");
        assert_eq!(n(17), "tujuh belas");
        assert_eq!(n(40), "empat puluh");
        assert_eq!(n(99), "sembilan puluh sembilan");
        assert_eq!(n(100), "seratus");
        assert_eq!(n(215), "dua ratus lima belas");
        assert_eq!(n(1005), "satu nol nol lima");
    }

    #[test]
    fn refuses_what_cannot_be_said() {
        let call = |ticket, place| Call { ticket, place, room: "", recall: false };
        assert_eq!(clip_names(&call("", "Poli"), all), Err(BAD_TICKET));
        assert_eq!(clip_names(&call("B-00<7", "Poli"), all), Err(BAD_TICKET));
        assert_eq!(clip_names(&call("ABC", "Poli"), all), Err(BAD_TICKET));
        let long = "x".repeat(81);
        assert_eq!(clip_names(&call("B-007", &long), all), Err(BAD_PLACE));
        // Unknown words are left out, not refused.
        assert_eq!(
            clip_names(&call("B-7", "Poli Xyz"), |w| w == "poli").unwrap().join(" "),
            "nomor antrean huruf_b tujuh silakan ke poli"
        );
    }
}
