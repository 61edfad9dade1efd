//! The visit state machine (design.md §5):
//!
//! ```text
//! booked ──check-in──▶ waiting ──call──▶ called ──start──▶ serving ──finish──▶ done
//!   │                    ▲  │              │  ▲ recall
//!   │                    │  └─ cancel      └─ skip ──▶ skipped ──return──▶ waiting
//!   ├─ cancel ──▶ cancelled
//!   └─ session over without check-in ──▶ no_show
//! done ──back (from lab, radiology, … to the same doctor)──▶ waiting (its original place)
//! ```
use super::Refusal;

super::kinds::text_enum! {
    /// Where a visit stands (the state machine above).
    VisitStatus {
        Booked = "booked",
        Waiting = "waiting",
        Called = "called",
        Serving = "serving",
        Done = "done",
        Skipped = "skipped",
        Cancelled = "cancelled",
        NoShow = "no_show",
    }
}

impl VisitStatus {
    /// Shown to the patient and on staff screens.
    pub fn label_id(self) -> &'static str {
        match self {
            VisitStatus::Booked => "Terdaftar (belum check-in)",
            VisitStatus::Waiting => "Menunggu",
            VisitStatus::Called => "Dipanggil",
            VisitStatus::Serving => "Sedang dilayani",
            VisitStatus::Done => "Selesai",
            VisitStatus::Skipped => "Dilewati",
            VisitStatus::Cancelled => "Dibatalkan",
            VisitStatus::NoShow => "Tidak hadir",
        }
    }

    /// Still holds its place: the visit is neither finished nor given up.
    pub fn is_active(self) -> bool {
        !matches!(self, VisitStatus::Done | VisitStatus::Cancelled | VisitStatus::NoShow)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CheckIn,
    Call,
    Recall,
    Skip,
    Return,
    Start,
    Finish,
    /// By the patient: only before check-in.
    CancelByPatient,
    /// By staff (or because the session is cancelled): any time before service starts.
    CancelByStaff,
    NoShow,
    /// Back from a station (lab, radiology, …) to the same doctor: the finished visit
    /// waits in its own queue again.
    Back,
}

impl Action {
    /// The event kind recorded in `visit_events`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CheckIn => "check_in",
            Action::Call => "call",
            Action::Recall => "recall",
            Action::Skip => "skip",
            Action::Return => "return",
            Action::Start => "start",
            Action::Finish => "finish",
            Action::CancelByPatient | Action::CancelByStaff => "cancel",
            Action::NoShow => "no_show",
            Action::Back => "back_to_clinic",
        }
    }
}

/// Where `action` takes a visit in status `from`, or why it cannot.
pub fn transition(from: VisitStatus, action: Action) -> Result<VisitStatus, Refusal> {
    use Action as A;
    use VisitStatus as S;
    let to = match (from, action) {
        (S::Booked, A::CheckIn) => S::Waiting,
        (S::Booked, A::NoShow) => S::NoShow,
        (S::Booked, A::CancelByPatient) => S::Cancelled,
        (S::Booked | S::Waiting | S::Called | S::Skipped, A::CancelByStaff) => S::Cancelled,
        (S::Waiting, A::Call) => S::Called,
        (S::Called, A::Recall) => S::Called,
        (S::Called, A::Skip) => S::Skipped,
        (S::Called, A::Start) => S::Serving,
        (S::Skipped, A::Return) => S::Waiting,
        (S::Serving, A::Finish) => S::Done,
        (S::Done, A::Back) => S::Waiting,
        (_, A::CancelByPatient) => {
            return Err(Refusal::new(
                "invalid_transition",
                "Antrean yang sudah check-in atau selesai tidak dapat dibatalkan sendiri; silakan hubungi petugas.",
                "A visit that is checked in or over cannot be cancelled online; please ask the staff.",
            ));
        }
        (S::Waiting | S::Called | S::Serving | S::Done | S::Skipped, A::CheckIn) => {
            return Err(Refusal::new(
                "invalid_transition",
                "Booking ini sudah check-in.",
                "This booking is already checked in.",
            ));
        }
        _ => {
            return Err(Refusal::new(
                "invalid_transition",
                "Tindakan ini tidak dapat dilakukan pada status antrean sekarang.",
                "This action is not possible in the visit's current status.",
            ));
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use VisitStatus as S;

    #[test]
    fn the_happy_path() {
        let mut s = S::Booked;
        for (action, expected) in [
            (A::CheckIn, S::Waiting),
            (A::Call, S::Called),
            (A::Recall, S::Called),
            (A::Skip, S::Skipped),
            (A::Return, S::Waiting),
            (A::Call, S::Called),
            (A::Start, S::Serving),
            (A::Finish, S::Done),
        ] {
            s = transition(s, action).expect("allowed");
            assert_eq!(s, expected);
        }
        assert!(!s.is_active());
    }

    #[test]
    fn a_finished_visit_comes_back_from_a_station_to_wait_again() {
        assert_eq!(transition(S::Done, A::Back).expect("allowed"), S::Waiting);
        assert_eq!(A::Back.as_str(), "back_to_clinic");
    }

    #[test]
    fn illegal_moves_are_refused() {
        for (from, action) in [
            (S::Booked, A::Call),
            (S::Waiting, A::Finish),
            (S::Waiting, A::CancelByPatient),
            (S::Done, A::CancelByStaff),
            (S::Serving, A::CancelByStaff),
            (S::Cancelled, A::CheckIn),
            (S::NoShow, A::CheckIn),
            (S::Waiting, A::CheckIn),
            (S::Waiting, A::NoShow),
            (S::Serving, A::Back),
            (S::Cancelled, A::Back),
            (S::NoShow, A::Back),
        ] {
            let err = transition(from, action).expect_err("refused");
            assert_eq!(err.0.code, "invalid_transition");
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
        assert_eq!(S::parse("lost"), None);
    }
}
