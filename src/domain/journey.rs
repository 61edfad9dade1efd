//! The journey of a visit (design.md §5): stations, their lanes, and the state machine of a
//! step at a station.
//!
//! ```text
//! counter, cashier, lab, radiology:
//!   waiting ──call──▶ called ──start──▶ serving ──finish──▶ done
//!      ▲                │  ▲ recall
//!      └──return── skipped ◀─skip
//! pharmacy (the medicine is prepared before the patient is called):
//!   waiting ──start──▶ serving (preparing, task 6) ──ready──▶ ready ──call──▶ called
//!   called ──finish──▶ done (handed over, task 7); called ──skip──▶ skipped ──return──▶ ready
//! ```
use super::Refusal;
use super::kinds::text_enum;

text_enum! {
    /// What a station is.
    StationKind {
        Registration = "registration",
        Clinic = "clinic",
        Pharmacy = "pharmacy",
        Cashier = "cashier",
        Lab = "lab",
        Radiology = "radiology",
    }
}

impl StationKind {
    /// Steps at the pharmacy are prepared before the patient is called.
    pub fn prepares_first(self) -> bool {
        self == StationKind::Pharmacy
    }

    /// The status `call-next` takes a step from.
    pub fn callable(self) -> StepStatus {
        if self.prepares_first() { StepStatus::Ready } else { StepStatus::Waiting }
    }
}

text_enum! {
    /// A pharmacy lane: compounded prescriptions take much longer than ready-made ones.
    Lane { Racikan = "racikan", NonRacikan = "non_racikan" }
}

impl Lane {
    /// `jenisresep` of `/antrean/farmasi/add` and the Mobile JKN pharmacy services.
    pub fn jenisresep(self) -> &'static str {
        match self {
            Lane::Racikan => "racikan",
            Lane::NonRacikan => "non racikan",
        }
    }

    /// `jenisresep` of `/antrean/updatewaktu` ("Racikan" / "Non racikan").
    pub fn jenisresep_task(self) -> &'static str {
        match self {
            Lane::Racikan => "Racikan",
            Lane::NonRacikan => "Non racikan",
        }
    }
}

text_enum! {
    /// Where a step stands.
    StepStatus {
        Waiting = "waiting",
        Called = "called",
        Serving = "serving",
        Ready = "ready",
        Done = "done",
        Skipped = "skipped",
        Cancelled = "cancelled",
    }
}

impl StepStatus {
    /// Still in the station's queue (not over).
    pub fn is_open(self) -> bool {
        !matches!(self, StepStatus::Done | StepStatus::Cancelled)
    }

    /// Shown to the patient: at the pharmacy "serving" means the medicine is being prepared.
    pub fn label_id(self, kind: StationKind) -> &'static str {
        match (self, kind.prepares_first()) {
            (StepStatus::Waiting, true) => "Menunggu obat",
            (StepStatus::Serving, true) => "Obat sedang disiapkan",
            (StepStatus::Ready, _) => "Obat siap diambil",
            (StepStatus::Waiting, false) => "Menunggu",
            (StepStatus::Called, _) => "Dipanggil",
            (StepStatus::Serving, false) => "Sedang dilayani",
            (StepStatus::Done, _) => "Selesai",
            (StepStatus::Skipped, _) => "Dilewati",
            (StepStatus::Cancelled, _) => "Dibatalkan",
        }
    }
}

text_enum! {
    /// What happens to a step; the text is the kind of its visit event.
    StepAction {
        /// A step is created: the visit is forwarded to the station.
        Forward = "step_forward",
        Call = "step_call",
        Recall = "step_recall",
        Skip = "step_skip",
        Return = "step_return",
        Start = "step_start",
        Ready = "step_ready",
        Finish = "step_finish",
    }
}

impl StepAction {
    /// The audit log's name for it (Indonesian, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            StepAction::Forward => ("Diteruskan ke loket/unit", "Forwarded to a station"),
            StepAction::Call => ("Panggil di loket", "Called at a desk"),
            StepAction::Recall => ("Panggil ulang di loket", "Recalled at a desk"),
            StepAction::Skip => ("Lewati di loket", "Skipped at a desk"),
            StepAction::Return => ("Kembali antre di loket", "Back in a station queue"),
            StepAction::Start => {
                ("Mulai di loket (farmasi: disiapkan)", "Started (pharmacy: preparing)")
            }
            StepAction::Ready => ("Obat siap", "Medicine ready"),
            StepAction::Finish => ("Selesai di loket", "Done at a station"),
        }
    }

    /// `recall`, `skip`, … as in the URL of the action (call and forward have their own).
    pub fn from_url(name: &str) -> Option<StepAction> {
        Some(match name {
            "recall" => StepAction::Recall,
            "skip" => StepAction::Skip,
            "return" => StepAction::Return,
            "start" => StepAction::Start,
            "ready" => StepAction::Ready,
            "finish" => StepAction::Finish,
            _ => return None,
        })
    }
}

/// Where `action` takes a step in status `from` at a station of `kind`, or why it cannot.
pub fn step_transition(
    kind: StationKind,
    from: StepStatus,
    action: StepAction,
) -> Result<StepStatus, Refusal> {
    use StepAction as A;
    use StepStatus as S;
    let to = match (kind.prepares_first(), from, action) {
        (_, S::Called, A::Recall) => S::Called,
        (_, S::Called, A::Skip) => S::Skipped,
        (false, S::Waiting, A::Call) => S::Called,
        (false, S::Called, A::Start) => S::Serving,
        (false, S::Serving, A::Finish) => S::Done,
        (false, S::Skipped, A::Return) => S::Waiting,
        (true, S::Waiting, A::Start) => S::Serving,
        (true, S::Serving, A::Ready) => S::Ready,
        (true, S::Ready, A::Call) => S::Called,
        (true, S::Called, A::Finish) => S::Done,
        (true, S::Skipped, A::Return) => S::Ready,
        _ => {
            return Err(Refusal::new(
                "invalid_transition",
                "Tindakan ini tidak dapat dilakukan pada status antrean sekarang.",
                "This action is not possible in the step's current status.",
            ));
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepAction as A;
    use StepStatus as S;

    #[test]
    fn the_pharmacy_prepares_before_it_calls() {
        let k = StationKind::Pharmacy;
        let mut s = S::Waiting;
        assert!(step_transition(k, s, A::Call).is_err(), "not called before it is ready");
        for (a, expected) in [
            (A::Start, S::Serving),
            (A::Ready, S::Ready),
            (A::Call, S::Called),
            (A::Skip, S::Skipped),
            (A::Return, S::Ready),
            (A::Call, S::Called),
            (A::Recall, S::Called),
            (A::Finish, S::Done),
        ] {
            s = step_transition(k, s, a).expect("allowed");
            assert_eq!(s, expected);
        }
        assert!(!s.is_open());
        assert_eq!(k.callable(), S::Ready);
    }

    #[test]
    fn a_counter_calls_first() {
        let k = StationKind::Cashier;
        assert_eq!(step_transition(k, S::Waiting, A::Call), Ok(S::Called));
        assert_eq!(step_transition(k, S::Called, A::Start), Ok(S::Serving));
        assert_eq!(step_transition(k, S::Serving, A::Finish), Ok(S::Done));
        assert_eq!(step_transition(k, S::Skipped, A::Return), Ok(S::Waiting));
        assert!(step_transition(k, S::Serving, A::Ready).is_err());
        assert!(step_transition(k, S::Done, A::Finish).is_err());
        assert_eq!(k.callable(), S::Waiting);
    }

    #[test]
    fn kinds_round_trip_and_name_the_prescription() {
        for k in StationKind::ALL {
            assert_eq!(StationKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Lane::parse("non_racikan").map(Lane::jenisresep), Some("non racikan"));
        assert_eq!(StepAction::from_url("ready"), Some(A::Ready));
        assert_eq!(StepAction::from_url("call"), None);
    }
}
