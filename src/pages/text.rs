//! Words and formats the pages share: dates, times and status labels in both languages.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::calendar;
use crate::domain::journey::StepAction;
use crate::domain::kinds::{Channel, Payer};
use crate::domain::staff::Role;
use crate::domain::visit_status::VisitStatus;
use crate::i18n::Lang;

pub fn weekday_name(lang: Lang, weekday: u32) -> &'static str {
    calendar::weekday_name(lang.is_en(), weekday)
}

/// "Selasa, 1 Desember 2026" / "Tuesday, 1 December 2026".
pub fn long_date(lang: Lang, date: NaiveDate) -> String {
    calendar::long_date(lang.is_en(), date)
}

/// "Selasa 1 Des" / "Tuesday 1 Dec".
pub fn short_date(lang: Lang, date: NaiveDate) -> String {
    calendar::short_date(lang.is_en(), date)
}

/// "09:40 WIT" in the hospital's zone.
pub fn clock_time(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", local.format("%H:%M"), zone_label(tz))
}

pub use calendar::zone_label;

/// "Selasa 1 Des 09:40 WIT": when a ticket was printed, on the ticket itself.
pub fn printed_at(lang: Lang, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", short_date(lang, local.date_naive()), clock_time(at, tz))
}

pub fn status_label(lang: Lang, status: &str) -> &'static str {
    let Some(s) = VisitStatus::parse(status) else {
        return "";
    };
    if !lang.is_en() {
        return s.label_id();
    }
    match s {
        VisitStatus::Booked => "Booked (not checked in)",
        VisitStatus::Waiting => "Waiting",
        VisitStatus::Called => "Called",
        VisitStatus::Serving => "Being seen",
        VisitStatus::Done => "Done",
        VisitStatus::Skipped => "Skipped",
        VisitStatus::Cancelled => "Cancelled",
        VisitStatus::NoShow => "Did not come",
    }
}

/// The audit log's name for an event kind.
pub fn event_label(lang: Lang, kind: &str) -> String {
    let (id, en) = match kind {
        "booked" => ("Booking", "Booked"),
        "registered" => ("Daftar langsung", "Walk-in"),
        "check_in" => ("Check-in", "Check-in"),
        "call" => ("Panggil", "Call"),
        "recall" => ("Panggil ulang", "Recall"),
        "skip" => ("Lewati", "Skip"),
        "return" => ("Kembali antre", "Return"),
        "start" => ("Mulai layani", "Start"),
        "finish" => ("Selesai", "Finish"),
        "cancel" => ("Batal", "Cancel"),
        "no_show" => ("Tidak hadir", "No-show"),
        "priority" => ("Prioritas", "Priority"),
        "priority_confirmed" => ("Kategori prioritas dikonfirmasi", "Priority category confirmed"),
        "priority_removed" => ("Kategori prioritas dihapus", "Priority category removed"),
        "referred" => ("Dirujuk ke poli lain", "Referred to another clinic"),
        "step_ticket" => ("Ambil tiket loket (anjungan)", "Counter ticket taken (kiosk)"),
        "back_to_clinic" => {
            ("Kembali ke dokter (dari penunjang)", "Back to the doctor (from a station)")
        }
        other => match StepAction::parse(other) {
            Some(step) => step.label(),
            None => return other.to_string(),
        },
    };
    lang.pick(id, en).to_string()
}

pub fn payer_label(lang: Lang, payer: Payer) -> &'static str {
    match payer {
        Payer::Jkn => "JKN (BPJS)",
        Payer::NonJkn => lang.pick("Umum", "Non-JKN"),
    }
}

/// How a place was taken, in the console's words.
pub fn channel_label(lang: Lang, channel: Channel) -> &'static str {
    match channel {
        Channel::Online => lang.pick("Daftar daring", "Online booking"),
        Channel::Kiosk => lang.pick("Anjungan", "Kiosk"),
        Channel::Counter => lang.pick("Loket", "Counter"),
        Channel::Jkn => "Mobile JKN",
    }
}

/// Who did something, for the audit log: "Pasien", "Anjungan", "Sistem", "Mobile JKN", or
/// "Petugas: nama" (the stored labels are "patient", "kiosk", "system", "jkn", "staff:name").
pub fn actor_label(lang: Lang, actor: &str) -> String {
    if let Some(user) = actor.strip_prefix("staff:") {
        return format!("{}: {user}", lang.pick("Petugas", "Staff"));
    }
    let (id, en) = match actor {
        "patient" => ("Pasien", "Patient"),
        "kiosk" => ("Anjungan", "Kiosk"),
        "system" => ("Sistem", "System"),
        "jkn" => ("Mobile JKN", "Mobile JKN"),
        other => (other, other),
    };
    lang.pick(id, en).to_string()
}

/// An account's role as the console names it.
pub fn role_label(lang: Lang, role: &str) -> &'static str {
    match Role::parse(role) {
        Some(Role::Admin) => lang.pick("Admin", "Administrator"),
        Some(Role::Clinic) => lang.pick("Petugas poli", "Clinic staff"),
        Some(Role::Registration) => lang.pick("Petugas loket", "Registration staff"),
        None => "",
    }
}

/// How a notification travels: the webhook goes to the SMS/WhatsApp gateway.
pub fn notification_channel_label(lang: Lang, channel: &str) -> &'static str {
    match channel {
        "email" => lang.pick("Surel", "Email"),
        "webhook" => "SMS/WhatsApp",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(long_date(Lang::Id, d), "Selasa, 1 Desember 2026");
        assert_eq!(long_date(Lang::En, d), "Tuesday, 1 December 2026");
        assert_eq!(short_date(Lang::Id, d), "Selasa 1 Des");
    }

    #[test]
    fn step_events_have_audit_names() {
        assert_eq!(event_label(Lang::Id, "step_ready"), "Obat siap");
        assert_eq!(event_label(Lang::En, "step_forward"), "Forwarded to a station");
        assert_eq!(event_label(Lang::En, "mystery"), "mystery");
    }

    #[test]
    fn console_words_in_both_languages() {
        assert_eq!(actor_label(Lang::Id, "patient"), "Pasien");
        assert_eq!(actor_label(Lang::En, "staff:anak"), "Staff: anak");
        assert_eq!(role_label(Lang::Id, "registration"), "Petugas loket");
        assert_eq!(channel_label(Lang::Id, Channel::Counter), "Loket");
        assert_eq!(notification_channel_label(Lang::Id, "webhook"), "SMS/WhatsApp");
    }
}
