//! The words of each message, from askama templates in `templates/email/`: plain text and
//! HTML for email, a short text for SMS/WhatsApp. Indonesian, or English when the visit's
//! language is "en".
use askama::Template;
use chrono_tz::Tz;

use crate::domain::calendar;
use crate::service::outbox::{Facts, Kind};

/// A message ready for any channel.
#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// SMS/WhatsApp.
    pub short: String,
}

/// What the templates see: the facts, put in the patient's words.
pub struct View<'a> {
    pub kind: &'a str,
    pub en: bool,
    pub facts: &'a Facts,
    pub clinic: &'a str,
    /// "Rabu, 2 Desember 2026".
    pub date: String,
    /// "08:00–12:00 WIT".
    pub hours: String,
    /// "08:40 WIT".
    pub estimate: String,
    /// The status page of the booking.
    pub link: String,
    /// Where to book again.
    pub book_link: String,
    /// A waitlist offer's page.
    pub offer_link: String,
    pub hospital: &'static str,
}

impl<'a> View<'a> {
    pub fn new(kind: Kind, facts: &'a Facts, tz: Tz, base_url: &str) -> View<'a> {
        let en = facts.language == "en";
        let zone = facts.estimated_at.with_timezone(&tz).format("%Z").to_string();
        View {
            kind: kind.as_str(),
            en,
            facts,
            clinic: if en { &facts.clinic_en } else { &facts.clinic },
            date: calendar::long_date(en, facts.date),
            hours: format!(
                "{}–{} {zone}",
                facts.starts_at.format("%H:%M"),
                facts.ends_at.format("%H:%M")
            ),
            estimate: format!("{} {zone}", facts.estimated_at.with_timezone(&tz).format("%H:%M")),
            link: format!("{base_url}/antrean/{}", facts.booking_code),
            book_link: format!("{base_url}/"),
            offer_link: format!(
                "{base_url}/antrean/tawaran/{}",
                facts.offer_token.as_deref().unwrap_or_default()
            ),
            hospital: "RSUD Mimika",
        }
    }

    /// " (untuk Maria K.)", or nothing when the booking does not say.
    pub fn for_whom(&self) -> String {
        match (&self.facts.for_whom, self.en) {
            (Some(n), false) => format!(" (untuk {n})"),
            (Some(n), true) => format!(" (for {n})"),
            (None, _) => String::new(),
        }
    }

    pub fn notice(&self) -> &str {
        self.facts.notice.as_deref().unwrap_or_default()
    }

    /// The room, or words for "the clinic's room" when none is set.
    pub fn room(&self) -> String {
        match (self.facts.room.trim(), self.en) {
            ("", false) => format!("ruang {}", self.clinic),
            ("", true) => format!("the {} room", self.clinic),
            (room, _) => room.to_string(),
        }
    }

    pub fn subject(&self) -> String {
        let f = self.facts;
        match (self.kind, self.en) {
            ("booking_confirmed", false) if f.walk_in => {
                format!("Nomor antrean {} di {}", f.ticket, self.clinic)
            }
            ("booking_confirmed", true) if f.walk_in => {
                format!("Your ticket {} at {}", f.ticket, self.clinic)
            }
            ("booking_confirmed", false) => {
                format!("Booking {} terkonfirmasi: {}, {}", f.booking_code, self.clinic, self.date)
            }
            ("booking_confirmed", true) => {
                format!("Booking {} confirmed: {}, {}", f.booking_code, self.clinic, self.date)
            }
            ("reminder", false) => {
                format!("Pengingat: besok Anda ke {}, nomor antrean {}", self.clinic, f.ticket)
            }
            ("reminder", true) => {
                format!("Reminder: your visit to {} is tomorrow, ticket {}", self.clinic, f.ticket)
            }
            ("turn_approaching", false) => {
                format!("Giliran Anda sebentar lagi: {} di {}", f.ticket, self.clinic)
            }
            ("turn_approaching", true) => {
                format!("Your turn is coming up: {} at {}", f.ticket, self.clinic)
            }
            ("called", false) => format!("Giliran Anda! {}, silakan ke {}", f.ticket, self.room()),
            ("called", true) => {
                format!("It is your turn! {}, please go to {}", f.ticket, self.room())
            }
            ("booking_cancelled", false) => {
                format!("Booking {} dibatalkan{}", f.booking_code, self.for_whom())
            }
            ("booking_cancelled", true) => {
                format!("Booking {} cancelled{}", f.booking_code, self.for_whom())
            }
            ("waitlist_offer", false) => {
                format!("Ada tempat kosong di {}, {}", self.clinic, self.date)
            }
            ("waitlist_offer", true) => {
                format!("A place is free at {}, {}", self.clinic, self.date)
            }
            ("reply", false) => format!("Balasan {}", self.hospital),
            ("reply", true) => format!("Reply from {}", self.hospital),
            ("medicine_ready", false) => format!("Obat Anda siap diambil: {}", f.ticket),
            ("medicine_ready", true) => format!("Your medicine is ready: {}", f.ticket),
            ("session_cancelled", false) => {
                format!("Mohon maaf: jadwal praktik {} pada {} dibatalkan", f.doctor, self.date)
            }
            (_, false) => format!("Informasi antrean {}", f.ticket),
            ("session_cancelled", true) => {
                format!("We are sorry: the session of {} on {} is cancelled", f.doctor, self.date)
            }
            (_, true) => format!("About your visit, ticket {}", f.ticket),
        }
    }
}

#[derive(Template)]
#[template(path = "email/booking_confirmed.txt")]
struct BookingConfirmedText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/booking_confirmed.html")]
struct BookingConfirmedHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/reminder.txt")]
struct ReminderText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/reminder.html")]
struct ReminderHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/turn_approaching.txt")]
struct TurnApproachingText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/turn_approaching.html")]
struct TurnApproachingHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/called.txt")]
struct CalledText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/called.html")]
struct CalledHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/session_cancelled.txt")]
struct SessionCancelledText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/session_cancelled.html")]
struct SessionCancelledHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/medicine_ready.txt")]
struct MedicineReadyText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/medicine_ready.html")]
struct MedicineReadyHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/booking_cancelled.txt")]
struct BookingCancelledText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/booking_cancelled.html")]
struct BookingCancelledHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/waitlist_offer.txt")]
struct WaitlistOfferText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/waitlist_offer.html")]
struct WaitlistOfferHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/reply.txt")]
struct ReplyText<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/reply.html")]
struct ReplyHtml<'a> {
    v: &'a View<'a>,
}
#[derive(Template)]
#[template(path = "email/short.txt")]
struct ShortText<'a> {
    v: &'a View<'a>,
}

/// Write the message of `kind` from `facts`.
pub fn render(kind: Kind, facts: &Facts, tz: Tz, base_url: &str) -> askama::Result<Message> {
    let v = &View::new(kind, facts, tz, base_url);
    let (text, html) = match kind {
        Kind::BookingConfirmed => {
            (BookingConfirmedText { v }.render()?, BookingConfirmedHtml { v }.render()?)
        }
        Kind::Reminder => (ReminderText { v }.render()?, ReminderHtml { v }.render()?),
        Kind::TurnApproaching => {
            (TurnApproachingText { v }.render()?, TurnApproachingHtml { v }.render()?)
        }
        Kind::Called => (CalledText { v }.render()?, CalledHtml { v }.render()?),
        Kind::MedicineReady => {
            (MedicineReadyText { v }.render()?, MedicineReadyHtml { v }.render()?)
        }
        Kind::BookingCancelled => {
            (BookingCancelledText { v }.render()?, BookingCancelledHtml { v }.render()?)
        }
        Kind::WaitlistOffer => {
            (WaitlistOfferText { v }.render()?, WaitlistOfferHtml { v }.render()?)
        }
        Kind::Reply => (ReplyText { v }.render()?, ReplyHtml { v }.render()?),
        Kind::SessionCancelled | Kind::QueueCheck => {
            (SessionCancelledText { v }.render()?, SessionCancelledHtml { v }.render()?)
        }
    };
    let short = ShortText { v }.render()?.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Message { subject: v.subject(), text, html, short })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};

    fn facts(language: &str) -> Facts {
        Facts {
            booking_code: "7KQ2M9XA".into(),
            ticket: "B-007".into(),
            clinic: "Poli Anak".into(),
            clinic_en: "Paediatrics".into(),
            doctor: "dr. Ruth Kogoya, Sp.A".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            starts_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            ends_at: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            room: "Ruang 2".into(),
            estimated_at: Utc.with_ymd_and_hms(2026, 12, 1, 23, 40, 0).unwrap(),
            language: language.into(),
            position: Some(3),
            note: None,
            walk_in: false,
            for_whom: Some("Maria K.".into()),
            notice: None,
            offer_token: None,
        }
    }

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(calendar::long_date(false, d), "Rabu, 2 Desember 2026");
        assert_eq!(calendar::long_date(true, d), "Wednesday, 2 December 2026");
    }

    #[test]
    fn every_kind_renders_in_both_languages() {
        let tz = chrono_tz::Asia::Jayapura;
        for kind in Kind::MESSAGES {
            for lang in ["id", "en"] {
                let m = render(kind, &facts(lang), tz, "https://sipoli.test").unwrap();
                assert!(m.text.contains("B-007"), "{kind:?} {lang}: {}", m.text);
                assert!(m.html.contains("B-007"), "{kind:?} {lang}");
                assert!(m.short.contains("B-007"), "{kind:?} {lang}");
                assert!(m.short.chars().count() <= 320, "{kind:?} {lang}: {}", m.short);
                assert!(m.text.contains("https://sipoli.test/"), "{kind:?} {lang}");
                assert!(!m.subject.is_empty());
            }
        }
        let m = render(Kind::BookingConfirmed, &facts("id"), tz, "https://sipoli.test").unwrap();
        assert!(m.text.contains("Rabu, 2 Desember 2026"));
        assert!(m.text.contains("08:40 WIT"), "{}", m.text);
        assert!(m.text.contains("https://sipoli.test/antrean/7KQ2M9XA"));
        let walk_in = Facts { walk_in: true, ..facts("id") };
        let m = render(Kind::BookingConfirmed, &walk_in, tz, "https://sipoli.test").unwrap();
        assert_eq!(m.subject, "Nomor antrean B-007 di Poli Anak");
        assert!(m.text.contains("Anda sudah masuk antrean hari ini"), "{}", m.text);
        assert!(!m.text.contains("check-in"), "{}", m.text);
        assert!(m.short.contains("Kami kabari saat giliran Anda dekat"), "{}", m.short);
        let m = render(Kind::Called, &facts("en"), tz, "https://sipoli.test").unwrap();
        assert!(m.subject.contains("It is your turn"), "{}", m.subject);
        assert!(m.text.contains("Ruang 2"));
        // Whom a booking is for, by first name and initial (issue 14).
        for kind in
            [Kind::BookingConfirmed, Kind::Reminder, Kind::BookingCancelled, Kind::WaitlistOffer]
        {
            let m = render(kind, &facts("id"), tz, "https://sipoli.test").unwrap();
            assert!(m.short.contains("Maria K."), "{kind:?}: {}", m.short);
            assert!(m.text.contains("Maria K."), "{kind:?}: {}", m.text);
        }
    }
}
