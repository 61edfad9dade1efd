//! The patient's voice: complaints (pengaduan) with the five-working-day rule, and the
//! rating given after a visit. Pure rules: the kinds, the state changes and the due date.
use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::kinds::text_enum;
use super::{CONTROL_CHARACTER, Invalid, Refusal};

text_enum! {
    /// What a complaint is about (the codes of the public contract).
    ComplaintCategory {
        Service = "pelayanan",
        Waiting = "waktu_tunggu",
        Facilities = "fasilitas",
        HealthWorker = "tenaga_kesehatan",
        Medicine = "obat",
        Fees = "biaya_administrasi",
        Other = "lainnya",
    }
}

impl ComplaintCategory {
    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Self::Service, false) => "Pelayanan",
            (Self::Service, true) => "Service",
            (Self::Waiting, false) => "Waktu tunggu",
            (Self::Waiting, true) => "Waiting time",
            (Self::Facilities, false) => "Fasilitas",
            (Self::Facilities, true) => "Facilities",
            (Self::HealthWorker, false) => "Tenaga kesehatan",
            (Self::HealthWorker, true) => "Health workers",
            (Self::Medicine, false) => "Obat",
            (Self::Medicine, true) => "Medicine",
            (Self::Fees, false) => "Biaya / administrasi",
            (Self::Fees, true) => "Fees / administration",
            (Self::Other, false) => "Lainnya",
            (Self::Other, true) => "Other",
        }
    }
}

text_enum! {
    /// new → in progress → resolved; closed (by staff, from any open state or resolved).
    ComplaintStatus {
        New = "new",
        InProgress = "in_progress",
        Resolved = "resolved",
        Closed = "closed",
    }
}

impl ComplaintStatus {
    /// Still waiting for the hospital: counts against the five-day rule.
    pub const OPEN: [ComplaintStatus; 2] = [ComplaintStatus::New, ComplaintStatus::InProgress];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// Whether staff may move a complaint from `self` to `to` (a response may also keep
    /// the status as it is).
    pub fn may_become(self, to: ComplaintStatus) -> bool {
        use ComplaintStatus::*;
        matches!(
            (self, to),
            (New, New | InProgress | Resolved | Closed)
                | (InProgress, InProgress | Resolved | Closed)
                | (Resolved, Resolved | Closed | InProgress)
        )
    }

    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Self::New, false) => "Baru",
            (Self::New, true) => "New",
            (Self::InProgress, false) => "Sedang ditangani",
            (Self::InProgress, true) => "In progress",
            (Self::Resolved, false) => "Selesai ditangani",
            (Self::Resolved, true) => "Resolved",
            (Self::Closed, false) => "Ditutup",
            (Self::Closed, true) => "Closed",
        }
    }
}

text_enum! {
    /// Where a complaint came in.
    ComplaintChannel { Web = "web", Kiosk = "kiosk", Staff = "staff" }
}

text_enum! {
    /// What a rating is about (optional, several).
    FeedbackCategory {
        Waiting = "waktu_tunggu",
        Friendliness = "keramahan",
        Information = "informasi",
        Cleanliness = "kebersihan",
        Medicine = "obat",
    }
}

impl FeedbackCategory {
    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Self::Waiting, false) => "Waktu tunggu",
            (Self::Waiting, true) => "Waiting time",
            (Self::Friendliness, false) => "Keramahan",
            (Self::Friendliness, true) => "Friendliness",
            (Self::Information, false) => "Informasi",
            (Self::Information, true) => "Information",
            (Self::Cleanliness, false) => "Kebersihan",
            (Self::Cleanliness, true) => "Cleanliness",
            (Self::Medicine, false) => "Obat",
            (Self::Medicine, true) => "Medicine",
        }
    }
}

/// Working days a complaint may take (Mimika's Smart City rule).
pub const WORKING_DAYS: u32 = 5;
/// Days after the visit in which a rating is accepted.
pub const FEEDBACK_DAYS: i64 = 7;
/// Longest complaint or response text, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest feedback comment, in characters.
pub const MAX_COMMENT: usize = 2000;

/// Monday to Friday, and not a national holiday.
pub fn is_working_day(day: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// The last day on which a complaint received on `received` must be resolved: the fifth
/// working day after the day it came in (the day of receipt does not count). The deadline
/// is the end of that day.
pub fn due_day(received: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut day = received;
    let mut counted = 0;
    while counted < WORKING_DAYS {
        day += Duration::days(1);
        if is_working_day(day, holidays) {
            counted += 1;
        }
    }
    day
}

pub const TEXT_TOO_SHORT: Invalid = Invalid::new(
    "text_too_short",
    "Tuliskan pengaduan Anda (minimal 10 huruf).",
    "Write your complaint (at least 10 characters).",
);
pub const TEXT_TOO_LONG: Invalid = Invalid::new(
    "text_too_long",
    "Teks terlalu panjang (maksimal 4000 huruf).",
    "The text is too long (at most 4000 characters).",
);
pub const UNKNOWN_CATEGORY: Invalid =
    Invalid::new("unknown_category", "Pilih kategori pengaduan.", "Choose a complaint category.");
pub const BAD_CONTACT: Invalid = Invalid::new(
    "invalid_contact",
    "Kontak harus nomor HP (08…/+62…) atau alamat email.",
    "The contact must be a mobile number (08…/+62…) or an email address.",
);
pub const BAD_RATING: Invalid =
    Invalid::new("invalid_rating", "Nilai harus 1 sampai 5.", "The rating must be 1 to 5.");
pub const UNKNOWN_FEEDBACK_CATEGORY: Invalid = Invalid::new(
    "unknown_category",
    "Kategori penilaian tidak dikenal.",
    "Unknown rating category.",
);
pub const COMMENT_TOO_LONG: Invalid = Invalid::new(
    "text_too_long",
    "Komentar terlalu panjang (maksimal 2000 huruf).",
    "The comment is too long (at most 2000 characters).",
);
pub const VISIT_NOT_DONE: Refusal = Refusal::new(
    "visit_not_done",
    "Penilaian dapat diberikan setelah kunjungan selesai.",
    "A rating can be given once the visit is finished.",
);
pub const FEEDBACK_TOO_LATE: Refusal = Refusal::new(
    "feedback_closed",
    "Penilaian hanya dapat diberikan dalam 7 hari setelah kunjungan.",
    "A rating can only be given within 7 days of the visit.",
);
pub const FEEDBACK_GIVEN: Refusal = Refusal::new(
    "feedback_exists",
    "Kunjungan ini sudah dinilai. Terima kasih!",
    "This visit has already been rated. Thank you!",
);
pub const BAD_TRANSITION: Refusal = Refusal::new(
    "invalid_transition",
    "Status pengaduan tidak dapat diubah seperti itu.",
    "The complaint cannot change to that status.",
);

/// A free text as stored: trimmed, within `min..=max` characters, no control characters
/// other than line breaks and tabs. It is shown as text (escaped) wherever it appears.
pub fn clean_text(
    text: &str,
    min: usize,
    max: usize,
    short: Invalid,
    long: Invalid,
) -> Result<String, Invalid> {
    let text = text.trim();
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(CONTROL_CHARACTER);
    }
    let n = text.chars().count();
    if n < min {
        return Err(short);
    }
    if n > max {
        return Err(long);
    }
    Ok(text.to_string())
}

/// How a complainant can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Phone(String),
    Email(String),
}

impl Contact {
    /// A mobile number (`08…`, `+62…`, `62…`, 9–15 digits) or an email address.
    pub fn parse(input: &str) -> Result<Contact, Invalid> {
        let s = input.trim();
        if s.contains('@') {
            let (local, domain) = s.split_once('@').ok_or(BAD_CONTACT)?;
            let ok = !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && s.len() <= 200
                && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
            return if ok { Ok(Contact::Email(s.to_string())) } else { Err(BAD_CONTACT) };
        }
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let rest = digits.strip_prefix('+').unwrap_or(&digits);
        let national = rest.starts_with("08") || rest.starts_with("628");
        if national && (9..=15).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit()) {
            Ok(Contact::Phone(rest.to_string()))
        } else {
            Err(BAD_CONTACT)
        }
    }

    /// The outbox channel: a phone goes to the SMS/WhatsApp gateway, an address by email.
    pub fn channel(&self) -> &'static str {
        match self {
            Contact::Phone(_) => "webhook",
            Contact::Email(_) => "email",
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Contact::Phone(s) | Contact::Email(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn five_working_days_skip_the_weekend() {
        let none = BTreeSet::new();
        // Tuesday 1 December 2026 → Tuesday 8 December.
        assert_eq!(due_day(d(2026, 12, 1), &none), d(2026, 12, 8));
        // Monday → next Monday.
        assert_eq!(due_day(d(2026, 11, 30), &none), d(2026, 12, 7));
        // Friday → next Friday.
        assert_eq!(due_day(d(2026, 12, 4), &none), d(2026, 12, 11));
        // Saturday and Sunday count from Monday: due Friday.
        assert_eq!(due_day(d(2026, 12, 5), &none), d(2026, 12, 11));
        assert_eq!(due_day(d(2026, 12, 6), &none), d(2026, 12, 11));
    }

    #[test]
    fn an_entered_holiday_moves_the_due_day() {
        // Christmas, Friday 25 December 2026, and a joint leave day on Thursday the 24th.
        let holidays: BTreeSet<_> = [d(2026, 12, 24), d(2026, 12, 25)].into_iter().collect();
        // Monday 21 → Tue 22, Wed 23, (Thu, Fri off), Mon 28, Tue 29, Wed 30.
        assert_eq!(due_day(d(2026, 12, 21), &holidays), d(2026, 12, 30));
        assert_eq!(due_day(d(2026, 12, 21), &BTreeSet::new()), d(2026, 12, 28));
        // Received on a holiday: counting starts the next working day.
        assert_eq!(due_day(d(2026, 12, 25), &holidays), d(2027, 1, 1));
        assert!(!is_working_day(d(2026, 12, 25), &holidays));
        assert!(!is_working_day(d(2026, 12, 26), &holidays));
        assert!(is_working_day(d(2026, 12, 28), &holidays));
    }

    #[test]
    fn statuses_move_forward_and_close() {
        use ComplaintStatus::*;
        assert!(New.may_become(InProgress));
        assert!(InProgress.may_become(Resolved));
        assert!(Resolved.may_become(Closed));
        assert!(New.may_become(Closed));
        assert!(!Closed.may_become(InProgress));
        assert!(!InProgress.may_become(New));
        assert!(New.is_open() && InProgress.is_open() && !Resolved.is_open());
        assert_eq!(ComplaintCategory::parse("biaya_administrasi"), Some(ComplaintCategory::Fees));
        assert_eq!(ComplaintCategory::ALL.len(), 7);
    }

    #[test]
    fn contacts_are_phones_or_addresses() {
        assert_eq!(Contact::parse("0812-3456-7890"), Ok(Contact::Phone("081234567890".into())));
        assert_eq!(Contact::parse("+6281234567890"), Ok(Contact::Phone("6281234567890".into())));
        assert_eq!(Contact::parse("a@b.id").map(|c| c.channel()), Ok("email"));
        for bad in ["12345", "a@b", "@b.id", "<x>@y.id", "0812abc4567"] {
            assert_eq!(Contact::parse(bad), Err(BAD_CONTACT), "{bad}");
        }
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        let clean = |s: &str| clean_text(s, 10, 20, TEXT_TOO_SHORT, TEXT_TOO_LONG);
        assert_eq!(clean("  antrean lama sekali  "), Ok("antrean lama sekali".into()));
        assert_eq!(clean("pendek"), Err(TEXT_TOO_SHORT));
        assert_eq!(clean("x".repeat(21).as_str()), Err(TEXT_TOO_LONG));
        assert_eq!(clean("ada\u{0}karakter aneh"), Err(CONTROL_CHARACTER));
        assert_eq!(clean("<script>alert(1)</script>").map(|s| s.len()), Err(TEXT_TOO_LONG));
    }
}
