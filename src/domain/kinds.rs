//! States and kinds stored in text columns (each guarded by a CHECK constraint). Each has
//! one textual form, written here once; `db::types` maps it to and from the database.
/// Defines a fieldless enum with its one textual form, used by JSON and the database.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            ::serde::Serialize, ::serde::Deserialize,
            ::diesel::AsExpression, ::diesel::FromSqlRow,
        )]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// Who pays: JKN (BPJS Kesehatan) or not ("umum"). Quotas are kept per payer.
    Payer { Jkn = "jkn", NonJkn = "non_jkn" }
}

text_enum! {
    /// How a place was taken.
    Channel { Online = "online", Kiosk = "kiosk", Counter = "counter", Jkn = "jkn" }
}

impl Channel {
    /// Booked ahead: counts against the session's online limit, starts as `booked`.
    pub fn is_ahead(self) -> bool {
        matches!(self, Channel::Online | Channel::Jkn)
    }
}

text_enum! {
    /// A clinic session: open for places, closed for registration, or cancelled (leave,
    /// closure).
    SessionStatus { Open = "open", Closed = "closed", Cancelled = "cancelled" }
}

text_enum! {
    /// A change to the weekly schedule on one date.
    ExceptionKind {
        /// A doctor away: their sessions that day are cancelled.
        Leave = "leave",
        /// A clinic closed: its sessions that day are cancelled.
        Closure = "closure",
        /// A one-off session.
        Extra = "extra",
    }
}

text_enum! {
    /// An outbox row (a patient notification or a report to BPJS).
    JobStatus {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        Sent = "sent",
        /// Failed; a notification is tried again, a BPJS report has given up.
        Failed = "failed",
        /// A notification that has given up (staff may revive it).
        Dead = "dead",
    }
}

impl JobStatus {
    /// A notification still to be tried.
    pub const OPEN: [JobStatus; 2] = [JobStatus::Pending, JobStatus::Failed];
}

text_enum! {
    /// Why a patient goes first in every queue of their journey (chosen at the kiosk or by
    /// staff).
    PriorityCategory {
        /// Elderly.
        Lansia = "lansia",
        /// Disabled.
        Disabilitas = "disabilitas",
        /// Pregnant.
        IbuHamil = "ibu_hamil",
        /// With a small child.
        AnakKecil = "anak_kecil",
    }
}

impl PriorityCategory {
    /// Shown to staff, and kept as the visit's priority reason.
    pub fn label_id(self) -> &'static str {
        match self {
            PriorityCategory::Lansia => "Lansia",
            PriorityCategory::Disabilitas => "Penyandang disabilitas",
            PriorityCategory::IbuHamil => "Ibu hamil",
            PriorityCategory::AnakKecil => "Membawa anak kecil",
        }
    }
}

text_enum! {
    /// What a counter of wrong guesses guards: cancelling one booking code, or logging in
    /// from one client address.
    GuessScope {
        CancelCode = "cancel_code",
        LoginAddress = "login_address",
        LookupIdentity = "lookup_identity",
    }
}

text_enum! {
    /// A weekly-schedule change sent to HFIS (`hfis_updates`).
    HfisStatus {
        /// Queued, or waiting for its next attempt.
        Pending = "pending",
        /// BPJS took it; the branch office decides (approval window).
        Waiting = "waiting",
        /// HFIS shows it.
        Approved = "approved",
        /// BPJS said no (its answer), or HFIS still shows something else after the window.
        Refused = "refused",
        /// BPJS could not be reached after every attempt.
        Failed = "failed",
        /// A newer change of the same doctor and clinic was queued before this one went.
        Superseded = "superseded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_text() {
        for p in Payer::ALL {
            assert_eq!(Payer::parse(p.as_str()), Some(*p));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(&c.to_string()), Some(*c));
        }
        assert_eq!(SessionStatus::parse("cancelled"), Some(SessionStatus::Cancelled));
        assert_eq!(ExceptionKind::parse("holiday"), None);
        assert_eq!(serde_json::to_string(&Payer::NonJkn).unwrap(), "\"non_jkn\"");
        assert!(Channel::Jkn.is_ahead() && !Channel::Kiosk.is_ahead());
        assert_eq!(PriorityCategory::parse("ibu_hamil"), Some(PriorityCategory::IbuHamil));
        assert_eq!(PriorityCategory::parse("vip"), None);
    }
}
