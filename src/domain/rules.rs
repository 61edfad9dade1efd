//! Booking windows and lateness, all in the hospital's time zone (design.md §5).
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::Refusal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRules {
    /// Online booking opens this many days ahead (by date).
    pub online_days_ahead: i64,
    /// … and closes this many minutes before the session starts.
    pub online_close_minutes: i64,
    /// Kiosk tickets from this many minutes before the session starts …
    pub kiosk_open_minutes: i64,
    /// … until this many minutes before it ends.
    pub kiosk_close_minutes: i64,
    /// A booking checked in later than its estimate plus this is placed after the next two.
    pub late_grace_minutes: i64,
}

impl Default for BookingRules {
    fn default() -> Self {
        BookingRules {
            online_days_ahead: 30,
            online_close_minutes: 60,
            kiosk_open_minutes: 120,
            kiosk_close_minutes: 30,
            late_grace_minutes: 30,
        }
    }
}

/// A wall-clock time on a date in the hospital's zone. Jayapura has no daylight saving;
/// for zones that do, a time in a gap is taken just after it.
pub fn local_datetime(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Tz> {
    let naive = date.and_time(time);
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&(naive - Duration::hours(1))) + Duration::hours(1))
}

/// Where a moment stands in a session's online booking window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlineWindow {
    /// The session has started or its date is past.
    Past,
    /// Further ahead than online booking opens.
    NotYetOpen,
    /// Open for online booking.
    Open,
    /// Closed shortly before the start: walk-ins only.
    Closed,
}

impl BookingRules {
    /// Where `now` stands in the online booking window of a session starting at `starts`.
    pub fn online_window(&self, now: DateTime<Tz>, starts: DateTime<Tz>) -> OnlineWindow {
        let today = now.date_naive();
        let date = starts.date_naive();
        if date < today || (date == today && now >= starts) {
            OnlineWindow::Past
        } else if date > today + Duration::days(self.online_days_ahead) {
            OnlineWindow::NotYetOpen
        } else if now > starts - Duration::minutes(self.online_close_minutes) {
            OnlineWindow::Closed
        } else {
            OnlineWindow::Open
        }
    }

    /// May a session starting at `starts` be booked online at `now`?
    pub fn check_online(&self, now: DateTime<Tz>, starts: DateTime<Tz>) -> Result<(), Refusal> {
        match self.online_window(now, starts) {
            OnlineWindow::Open => Ok(()),
            OnlineWindow::Past => Err(Refusal::new(
                "date_in_past",
                "Tanggal periksa sudah lewat; pilih jadwal lain.",
                "That date is in the past; choose another session.",
            )),
            OnlineWindow::NotYetOpen => Err(Refusal::new(
                "too_far_ahead",
                "Pendaftaran online hanya dibuka untuk 30 hari ke depan.",
                "Online booking is open for the next 30 days only.",
            )),
            OnlineWindow::Closed => Err(Refusal::new(
                "booking_closed",
                "Pendaftaran online untuk jadwal ini sudah ditutup (1 jam sebelum praktik). Silakan ambil nomor di anjungan rumah sakit.",
                "Online booking for this session has closed (1 hour before it starts). Please take a ticket at the hospital kiosk.",
            )),
        }
    }

    /// May the kiosk give a walk-in ticket for a session at `now`?
    pub fn check_kiosk(
        &self,
        now: DateTime<Tz>,
        starts: DateTime<Tz>,
        ends: DateTime<Tz>,
    ) -> Result<(), Refusal> {
        if now < starts - Duration::minutes(self.kiosk_open_minutes) {
            return Err(Refusal::new(
                "kiosk_not_open_yet",
                "Nomor antrean untuk jadwal ini belum dibuka. Anjungan membuka antrean 2 jam sebelum praktik.",
                "Tickets for this session are not open yet. The kiosk opens 2 hours before the session.",
            ));
        }
        if now > ends - Duration::minutes(self.kiosk_close_minutes) {
            return Err(Refusal::new(
                "kiosk_closed",
                "Pengambilan nomor untuk jadwal ini sudah ditutup. Silakan ke loket pendaftaran.",
                "Tickets for this session are closed. Please go to the registration counter.",
            ));
        }
        Ok(())
    }

    /// Is a check-in at `now` late for a visit estimated at `estimate`?
    pub fn is_late_check_in(&self, estimate: DateTime<Tz>, now: DateTime<Tz>) -> bool {
        now > estimate + Duration::minutes(self.late_grace_minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use chrono_tz::Asia::Jayapura;

    fn wit(d: u32, h: u32, m: u32) -> DateTime<Tz> {
        Jayapura.with_ymd_and_hms(2026, 12, d, h, m, 0).single().expect("valid")
    }

    fn code(r: Result<(), Refusal>) -> Option<&'static str> {
        r.err().map(|e| e.0.code)
    }

    #[test]
    fn online_window() {
        let rules = BookingRules::default();
        let starts = wit(2, 8, 0);
        assert_eq!(code(rules.check_online(wit(1, 20, 0), starts)), None);
        assert_eq!(code(rules.check_online(wit(2, 6, 59), starts)), None);
        assert_eq!(code(rules.check_online(wit(2, 7, 1), starts)), Some("booking_closed"));
        assert_eq!(code(rules.check_online(wit(2, 8, 0), starts)), Some("date_in_past"));
        assert_eq!(code(rules.check_online(wit(3, 7, 0), starts)), Some("date_in_past"));
        let far = Jayapura.with_ymd_and_hms(2026, 10, 15, 9, 0, 0).single().expect("valid");
        assert_eq!(code(rules.check_online(far, starts)), Some("too_far_ahead"));
    }

    #[test]
    fn kiosk_window() {
        let rules = BookingRules::default();
        let (starts, ends) = (wit(1, 8, 0), wit(1, 12, 0));
        assert_eq!(
            code(rules.check_kiosk(wit(1, 5, 59), starts, ends)),
            Some("kiosk_not_open_yet")
        );
        assert_eq!(code(rules.check_kiosk(wit(1, 6, 0), starts, ends)), None);
        assert_eq!(code(rules.check_kiosk(wit(1, 11, 30), starts, ends)), None);
        assert_eq!(code(rules.check_kiosk(wit(1, 11, 31), starts, ends)), Some("kiosk_closed"));
    }

    #[test]
    fn the_wit_date_is_not_the_utc_date() {
        // 07:30 WIT on 1 December is still 30 November in UTC.
        let now = wit(1, 7, 30);
        assert_eq!(
            now.with_timezone(&Utc).date_naive(),
            NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
        );
        assert_eq!(now.date_naive(), NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"));
        let t = NaiveTime::from_hms_opt(8, 0, 0).expect("time");
        assert_eq!(local_datetime(Jayapura, now.date_naive(), t), wit(1, 8, 0));
    }

    #[test]
    fn lateness() {
        let rules = BookingRules::default();
        assert!(!rules.is_late_check_in(wit(1, 9, 0), wit(1, 9, 30)));
        assert!(rules.is_late_check_in(wit(1, 9, 0), wit(1, 9, 31)));
    }
}
