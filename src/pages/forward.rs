//! The forward choices of a finish, shared by the polyclinic queue screen (the doctor's
//! "Selesai") and the station desks: done, a station (the pharmacy with its two lanes),
//! back to the polyclinic the visit came from, or a polyclinic session of today. A choice
//! travels in a form as one value (`station:FARMASI:racikan`, `clinic:ANA:12`, `back`)
//! and becomes the API's [`Next`].
use super::{Ctx, OrPage, PageError};
use crate::app::AppState;
use crate::db::stations::Station;
use crate::domain::journey::{Lane, StationKind};
use crate::domain::kinds::SessionStatus;
use crate::service::journey::Next;
use crate::service::sessions;

/// A forward choice of a finish form: its value and label.
pub struct NextChoice {
    pub value: String,
    pub label: String,
}

/// What a finished visit or step may be forwarded to, besides "done".
#[derive(Default)]
pub struct ForwardChoices {
    /// The stations: the pharmacy once per lane, then the cashier, lab, radiology, ….
    pub stations: Vec<NextChoice>,
    /// Today's open sessions of the polyclinics (but the one the visit is in).
    pub clinics: Vec<NextChoice>,
}

fn station_name(c: &Ctx, s: &Station) -> String {
    if c.lang.is_en() && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() }
}

/// The station choices (not the registration counter) and today's open sessions of every
/// polyclinic but `except_clinic`.
pub async fn forward_choices(
    state: &AppState,
    c: &Ctx,
    stations: &[Station],
    except_clinic: Option<&str>,
) -> Result<ForwardChoices, PageError> {
    let mut out = ForwardChoices::default();
    for s in stations.iter().filter(|s| s.kind != StationKind::Registration) {
        let name = station_name(c, s);
        if s.kind.prepares_first() {
            for (lane, id, en) in [
                (Lane::Racikan, "racikan", "compounded"),
                (Lane::NonRacikan, "non racikan", "ready-made"),
            ] {
                out.stations.push(NextChoice {
                    value: format!("station:{}:{}", s.code, lane.as_str()),
                    label: format!("{name} · {}", c.t(id, en)),
                });
            }
        } else {
            out.stations.push(NextChoice { value: format!("station:{}", s.code), label: name });
        }
    }
    let today = sessions::of_date(state, state.today(), None).await.or_page(c.lang)?;
    for s in today.iter().filter(|s| s.session.status == SessionStatus::Open) {
        if except_clinic.is_some_and(|code| code == s.clinic.code) {
            continue;
        }
        out.clinics.push(NextChoice {
            value: format!("clinic:{}:{}", s.clinic.code, s.session.id),
            label: format!("{} · {} · {}", s.clinic.name, s.doctor.name, s.hours()),
        });
    }
    Ok(out)
}

/// A form's forward choice as the API's `next`; `None` for "done" (empty) or a value no
/// form offers.
pub fn parse_next(s: &str) -> Option<Next> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    match parts.as_slice() {
        ["station", code] => Some(Next { station: Some((*code).into()), ..Next::default() }),
        ["station", code, lane] => Some(Next {
            station: Some((*code).into()),
            prescription: Lane::parse(lane),
            ..Next::default()
        }),
        ["clinic", code, id] => Some(Next {
            clinic: Some((*code).into()),
            session_id: id.parse().ok(),
            ..Next::default()
        }),
        ["back"] => Some(Next { back: true, ..Next::default() }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_become_the_apis_next() {
        let racikan = parse_next("station:FARMASI:racikan").unwrap();
        assert_eq!(racikan.station.as_deref(), Some("FARMASI"));
        assert_eq!(racikan.prescription, Some(Lane::Racikan));
        let clinic = parse_next("clinic:ANA:12").unwrap();
        assert_eq!((clinic.clinic.as_deref(), clinic.session_id), (Some("ANA"), Some(12)));
        assert!(parse_next("back").unwrap().back);
        assert_eq!(parse_next(""), None);
        assert_eq!(parse_next("elsewhere"), None);
    }
}
