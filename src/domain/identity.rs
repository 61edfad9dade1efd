//! Identity numbers and contact details, validated on construction (reference.md).
use super::Invalid;

/// Digits of `input` with the spaces, dots and hyphens people type removed; `None` when
/// anything else is there.
fn digits(input: &str) -> Option<String> {
    let kept: String = input.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
    kept.chars().all(|c| c.is_ascii_digit()).then_some(kept)
}

/// NIK (Nomor Induk Kependudukan): 16 digits — province 2, regency 2, district 2, birth
/// date DDMMYY with 40 added to the day for women, serial 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nik(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// As Mobile JKN writes it: L (laki-laki) or P (perempuan).
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "L",
            Sex::Female => "P",
        }
    }
}

/// Regency codes of Mimika: 91.09 (Papua, before 2022) and 94.12 (Papua Tengah).
const MIMIKA: [&str; 2] = ["9109", "9412"];

impl Nik {
    pub fn parse(input: &str) -> Result<Nik, Invalid> {
        let invalid = Invalid::new(
            "invalid_nik",
            "NIK harus 16 digit angka sesuai KTP/KK.",
            "The NIK must be the 16 digits on the identity card.",
        );
        let nik = digits(input).filter(|d| d.len() == 16).ok_or(invalid)?;
        let num = |range: std::ops::Range<usize>| nik[range].parse::<u32>().unwrap_or(0);
        let (province, day, month, serial) = (num(0..2), num(6..8), num(8..10), num(12..16));
        let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
        if province < 11 || !day_ok || !(1..=12).contains(&month) || serial == 0 {
            return Err(invalid);
        }
        Ok(Nik(nik))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Women have 40 added to the day of birth.
    pub fn sex(&self) -> Sex {
        if self.0[6..8].parse::<u32>().unwrap_or(0) > 40 { Sex::Female } else { Sex::Male }
    }

    /// The birth date encoded in the NIK (DDMMYY, 40 added to the day for women), as day,
    /// month and two-digit year.
    pub fn encoded_birth(&self) -> (u32, u32, u32) {
        let num = |range: std::ops::Range<usize>| self.0[range].parse::<u32>().unwrap_or(0);
        let day = num(6..8);
        (if day > 40 { day - 40 } else { day }, num(8..10), num(10..12))
    }

    /// Whether the birth date given agrees with the one the NIK encodes: a NIK meaning
    /// 15-03-1990 is not a child born 2020-06-10 (issue 14, "identity sense").
    pub fn agrees_with(&self, birth: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        let (day, month, yy) = self.encoded_birth();
        day == birth.day() && month == birth.month() && yy == birth.year().rem_euclid(100) as u32
    }

    /// [`Nik::agrees_with`] as a refusal with its message.
    pub fn check_birth_date(&self, birth: chrono::NaiveDate) -> Result<(), Invalid> {
        if self.agrees_with(birth) { Ok(()) } else { Err(nik_birth_mismatch()) }
    }

    /// Issued in Mimika (either regency code). Anything else is fine too: patients come from
    /// everywhere, so an unknown region is at most a note, never a refusal.
    pub fn is_from_mimika(&self) -> bool {
        MIMIKA.contains(&&self.0[0..4])
    }
}

/// A NIK whose encoded birth date contradicts the birth date given.
pub fn nik_birth_mismatch() -> Invalid {
    Invalid::new(
        "nik_birth_date_mismatch",
        "Tanggal lahir tidak sesuai dengan NIK (digit ke-7 s.d. 12 NIK memuat tanggal lahir DDMMYY, tanggal +40 untuk perempuan). Periksa NIK dan tanggal lahir pasien.",
        "The birth date does not agree with the NIK (digits 7-12 of a NIK hold the birth date DDMMYY, day +40 for women). Check the patient's NIK and birth date.",
    )
}

/// Whom a booking is for, as messages and the status page may say it: the first name and
/// the initial of the last ("Maria Kogoya" → "Maria K."), never the full name.
pub fn first_name_initial(full: &str) -> String {
    let mut words = full.split_whitespace();
    let Some(first) = words.next() else { return String::new() };
    match words.last().and_then(|w| w.chars().find(|c| c.is_alphanumeric())) {
        Some(initial) => format!("{first} {}.", initial.to_uppercase()),
        None => first.to_string(),
    }
}

/// BPJS Kesehatan card number (nomor kartu JKN): 13 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpjsNo(String);

impl BpjsNo {
    pub fn parse(input: &str) -> Result<BpjsNo, Invalid> {
        digits(input).filter(|d| d.len() == 13 && d != "0000000000000").map(BpjsNo).ok_or(
            Invalid::new(
                "invalid_bpjs_no",
                "Nomor kartu BPJS harus 13 digit angka.",
                "The BPJS card number must be 13 digits.",
            ),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indonesian mobile number, kept as `08…` (10–13 digits). `+628…` and `628…` are
/// accepted and rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, Invalid> {
        let invalid = Invalid::new(
            "invalid_phone",
            "Nomor HP harus nomor seluler Indonesia, mis. 0812 3456 7890.",
            "The mobile number must be an Indonesian one, e.g. 0812 3456 7890.",
        );
        let trimmed: String = input.chars().filter(|c| !matches!(c, '(' | ')')).collect();
        let trimmed = trimmed.trim();
        let plain = digits(trimmed.strip_prefix('+').unwrap_or(trimmed)).ok_or(invalid)?;
        let local = match plain.strip_prefix("62") {
            Some(rest) => format!("0{rest}"),
            None => plain,
        };
        if local.starts_with("08") && (10..=13).contains(&local.len()) {
            Ok(Phone(local))
        } else {
            Err(invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// International form for gateways: `+62812…`.
    pub fn international(&self) -> String {
        format!("+62{}", &self.0[1..])
    }
}

/// An email address, checked for shape only (the mail server has the last word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, Invalid> {
        let s = input.trim();
        let ok = s.len() <= 254
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if ok {
            Ok(Email(s.to_string()))
        } else {
            Err(Invalid::new(
                "invalid_email",
                "Alamat email tidak valid.",
                "The email address is not valid.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as written on the identity card: trimmed, inner spaces collapsed,
/// 2–100 characters, no control characters. Anything else is allowed (and escaped on output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<PersonName, Invalid> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = name.chars().count();
        if (2..=100).contains(&len) && !name.chars().any(char::is_control) {
            Ok(PersonName(name))
        } else {
            Err(Invalid::new(
                "invalid_name",
                "Nama pasien harus 2–100 huruf.",
                "The patient's name must have 2–100 characters.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nik_is_sixteen_digits_with_a_birth_date() {
        let man = Nik::parse("9109011705900001").expect("valid NIK");
        assert_eq!(man.sex(), Sex::Male);
        assert!(man.is_from_mimika());
        let woman = Nik::parse("9412 0157 0590 0002").expect("spaces are allowed");
        assert_eq!(woman.as_str(), "9412015705900002");
        assert_eq!(woman.sex(), Sex::Female);
        let elsewhere = Nik::parse("3174011705900001").expect("any region");
        assert!(!elsewhere.is_from_mimika());
    }

    #[test]
    fn malformed_niks_are_refused() {
        for bad in [
            "12345",
            "91090117059000011",
            "9109011705900000",
            "9109013205900001",
            "9109011713900001",
            "0509011705900001",
            "91090117059O0001",
            "",
        ] {
            assert_eq!(Nik::parse(bad).map_err(|e| e.code), Err("invalid_nik"), "{bad}");
        }
    }

    #[test]
    fn nik_birth_date_must_agree() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).expect("date");
        let man = Nik::parse("9109011705900001").expect("valid");
        assert!(man.agrees_with(d(1990, 5, 17)));
        assert!(!man.agrees_with(d(1990, 5, 18)));
        assert!(!man.agrees_with(d(2090, 6, 17)));
        let woman = Nik::parse("9412015705900002").expect("valid");
        assert!(woman.agrees_with(d(1990, 5, 17)));
        // The example: a NIK meaning 15-03-1990 for a child born 2020-06-10.
        let nik = Nik::parse("9109011503900003").expect("valid");
        assert_eq!(
            nik.check_birth_date(d(2020, 6, 10)).map_err(|e| e.code),
            Err("nik_birth_date_mismatch")
        );
        assert!(Nik::parse("9109011006200004").expect("valid").agrees_with(d(2020, 6, 10)));
    }

    #[test]
    fn names_shown_as_first_name_and_initial() {
        assert_eq!(first_name_initial("Maria Kogoya"), "Maria K.");
        assert_eq!(first_name_initial("  yohana   magai  wenda "), "yohana W.");
        assert_eq!(first_name_initial("Maria"), "Maria");
        assert_eq!(first_name_initial(""), "");
    }

    #[test]
    fn bpjs_number_is_thirteen_digits() {
        assert_eq!(BpjsNo::parse("0001234567890").expect("valid").as_str(), "0001234567890");
        assert!(BpjsNo::parse("0001").is_err());
        assert!(BpjsNo::parse("000123456789A").is_err());
        assert!(BpjsNo::parse("0000000000000").is_err());
    }

    #[test]
    fn phones_are_normalised_to_local_form() {
        assert_eq!(Phone::parse("0812 3456 7890").expect("valid").as_str(), "081234567890");
        assert_eq!(Phone::parse("+62 812-3456-789").expect("valid").as_str(), "08123456789");
        assert_eq!(Phone::parse("6281234567890").expect("valid").as_str(), "081234567890");
        assert_eq!(Phone::parse("0812345678").expect("valid").international(), "+62812345678");
        for bad in ["12345", "0212345678", "081234567890123", "0812abc45678", "+1 812 3456 789"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_and_names() {
        assert!(Email::parse("ibu.maria@contoh.id").is_ok());
        for bad in ["maria", "maria@", "@contoh.id", "a b@contoh.id", "a@b@c.id", "a@contoh."] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(PersonName::parse("  Yohana   Magai ").expect("valid").as_str(), "Yohana Magai");
        assert_eq!(PersonName::parse("<script>").expect("kept as text").as_str(), "<script>");
        assert!(PersonName::parse("Y").is_err());
        assert!(PersonName::parse("ab\u{7}c").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
    }
}
