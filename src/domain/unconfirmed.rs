//! When bookings still unconfirmed after the H-1 reminder are cancelled
//! (`SIPOLI_AUTO_CANCEL_UNCONFIRMED`): off by default; `H-1 HH:MM` cancels at that local
//! time on the day before the visit, `H HH:MM` on the morning of the day itself.
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoCancel {
    /// 1: the day before the visit; 0: the day itself.
    pub days_before: i64,
    pub at: NaiveTime,
}

impl AutoCancel {
    /// `off` / empty → `None`; `H-1 20:00`, `H 06:30` (case and spaces free).
    pub fn parse(text: &str) -> Result<Option<AutoCancel>, String> {
        let t = text.trim().to_ascii_uppercase();
        if t.is_empty() || t == "OFF" || t == "0" || t == "FALSE" {
            return Ok(None);
        }
        let (day, time) = t
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{text:?}: write off, H-1 HH:MM or H HH:MM"))?;
        let days_before = match day.trim() {
            "H-1" => 1,
            "H" => 0,
            _ => return Err(format!("{text:?}: the day is H-1 or H")),
        };
        let at = NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .map_err(|_| format!("{text:?}: the time is HH:MM"))?;
        Ok(Some(AutoCancel { days_before, at }))
    }

    /// The service date whose unconfirmed bookings are due for cancelling at local time
    /// `now` (from the set time until the end of that local day; later runs find none left).
    pub fn due_date(&self, now: NaiveDateTime) -> Option<NaiveDate> {
        (now.time() >= self.at).then(|| now.date() + Duration::days(self.days_before))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_setting_reads_off_the_day_before_or_the_day_itself() {
        assert_eq!(AutoCancel::parse(""), Ok(None));
        assert_eq!(AutoCancel::parse("off"), Ok(None));
        assert_eq!(
            AutoCancel::parse("H-1 20:00"),
            Ok(Some(AutoCancel { days_before: 1, at: at(20, 0) }))
        );
        assert_eq!(
            AutoCancel::parse(" h  06:30 "),
            Ok(Some(AutoCancel { days_before: 0, at: at(6, 30) }))
        );
        for bad in ["20:00", "H-2 20:00", "H-1 25:00", "yes"] {
            assert!(AutoCancel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bookings_of_the_right_day_are_due_from_the_set_time() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let h1 = AutoCancel { days_before: 1, at: at(20, 0) };
        assert_eq!(h1.due_date(d.and_time(at(19, 59))), None);
        assert_eq!(h1.due_date(d.and_time(at(20, 0))), d.succ_opt());
        let h = AutoCancel { days_before: 0, at: at(6, 0) };
        assert_eq!(h.due_date(d.and_time(at(5, 0))), None);
        assert_eq!(h.due_date(d.and_time(at(7, 0))), Some(d));
    }
}
