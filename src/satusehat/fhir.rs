//! The outpatient Encounter resource, built from a visit's real times (pure, unit-tested).
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

pub use crate::service::satusehat::{ARRIVED, CANCELLED, FINISHED, IN_PROGRESS};

/// Everything an Encounter says, with the time of each status reached so far.
#[derive(Debug, Clone)]
pub struct EncounterFacts {
    pub organization_id: String,
    /// The hospital's own id of the visit (its booking code).
    pub booking_code: String,
    pub patient_ihs: String,
    pub patient_name: String,
    pub practitioner_ihs: String,
    pub doctor_name: String,
    pub location_id: String,
    pub clinic_name: String,
    /// The SATUSEHAT id, once the Encounter exists (PUT).
    pub encounter_id: Option<String>,
    /// The status this message reports.
    pub status: &'static str,
    pub arrived_at: DateTime<Utc>,
    pub in_progress_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// ISO 8601 with the hospital's offset (`+09:00` in WIT), never a hard-coded one.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn period(start: DateTime<Utc>, end: Option<DateTime<Utc>>, tz: Tz) -> Value {
    match end {
        Some(end) => json!({"start": time(start, tz), "end": time(end, tz)}),
        None => json!({"start": time(start, tz)}),
    }
}

/// The Encounter as SATUSEHAT wants it for `facts.status`; `statusHistory` carries each
/// status reached, with its real start and end.
pub fn encounter(facts: &EncounterFacts, tz: Tz) -> Value {
    let f = facts;
    // The statuses reached, in order, up to the one this message reports.
    let mut reached: Vec<(&str, DateTime<Utc>)> = vec![(ARRIVED, f.arrived_at)];
    let last = |s: &str| s == f.status;
    if !last(ARRIVED) {
        if let Some(at) = f.in_progress_at {
            reached.push((IN_PROGRESS, at));
        }
        match f.status {
            FINISHED => reached.push((FINISHED, f.finished_at.unwrap_or(f.arrived_at))),
            CANCELLED => reached.push((CANCELLED, f.cancelled_at.unwrap_or(f.arrived_at))),
            _ => {}
        }
    }
    let closed = matches!(f.status, FINISHED | CANCELLED);
    let history: Vec<Value> = reached
        .iter()
        .enumerate()
        .map(|(i, (status, start))| {
            let end = reached.get(i + 1).map(|(_, at)| *at).or(closed.then_some(*start));
            json!({"status": status, "period": period(*start, end, tz)})
        })
        .collect();
    let end = closed.then(|| reached.last().map(|(_, at)| *at)).flatten();
    let mut resource = json!({
        "resourceType": "Encounter",
        "identifier": [{
            "system": format!("http://sys-ids.kemkes.go.id/encounter/{}", f.organization_id),
            "value": f.booking_code,
        }],
        "status": f.status,
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "subject": {"reference": format!("Patient/{}", f.patient_ihs), "display": f.patient_name},
        "participant": [{
            "type": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "code": "ATND",
                "display": "attender",
            }]}],
            "individual": {
                "reference": format!("Practitioner/{}", f.practitioner_ihs),
                "display": f.doctor_name,
            },
        }],
        "period": period(f.arrived_at, end, tz),
        "location": [{
            "location": {"reference": format!("Location/{}", f.location_id), "display": f.clinic_name},
        }],
        "statusHistory": history,
        "serviceProvider": {"reference": format!("Organization/{}", f.organization_id)},
    });
    if let Some(id) = &f.encounter_id {
        resource["id"] = json!(id);
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Jayapura
            .with_ymd_and_hms(2026, 12, 2, h, m, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn facts(status: &'static str) -> EncounterFacts {
        EncounterFacts {
            organization_id: "100026342".into(),
            booking_code: "ABCD2345".into(),
            patient_ihs: "P02478375538".into(),
            patient_name: "Pasien".into(),
            practitioner_ihs: "10009880728".into(),
            doctor_name: "dr. Uji".into(),
            location_id: "b017aa54".into(),
            clinic_name: "Poli Anak".into(),
            encounter_id: None,
            status,
            arrived_at: at(7, 50),
            in_progress_at: Some(at(8, 1)),
            finished_at: Some(at(8, 12)),
            cancelled_at: None,
        }
    }

    #[test]
    fn arrived_has_only_a_start_in_wit() {
        let e = encounter(&facts(ARRIVED), chrono_tz::Asia::Jayapura);
        assert_eq!(e["period"], json!({"start": "2026-12-02T07:50:00+09:00"}));
        assert_eq!(e["statusHistory"].as_array().map(Vec::len), Some(1));
        assert_eq!(e["class"]["code"], "AMB");
        assert_eq!(e["subject"]["reference"], "Patient/P02478375538");
        assert!(e.get("id").is_none());
    }

    #[test]
    fn finished_carries_every_status_with_its_real_times() {
        let mut f = facts(FINISHED);
        f.encounter_id = Some("enc-1".into());
        let e = encounter(&f, chrono_tz::Asia::Jayapura);
        assert_eq!(e["id"], "enc-1");
        assert_eq!(
            e["statusHistory"],
            json!([
                {"status": "arrived", "period": {"start": "2026-12-02T07:50:00+09:00", "end": "2026-12-02T08:01:00+09:00"}},
                {"status": "in-progress", "period": {"start": "2026-12-02T08:01:00+09:00", "end": "2026-12-02T08:12:00+09:00"}},
                {"status": "finished", "period": {"start": "2026-12-02T08:12:00+09:00", "end": "2026-12-02T08:12:00+09:00"}},
            ])
        );
        assert_eq!(e["period"]["end"], "2026-12-02T08:12:00+09:00");
    }

    #[test]
    fn another_zone_gives_its_own_offset() {
        assert_eq!(time(at(7, 50), chrono_tz::Asia::Jakarta), "2026-12-02T05:50:00+07:00");
    }
}
