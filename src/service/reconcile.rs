//! Reconciliation with BPJS: for a service day, what BPJS recorded (registrations, task
//! lists, waiting-time dashboard, fetched by `jkn::national`) beside what SIPOLI recorded
//! (`bpjs_tasks`). Lists the mismatches; one action puts the missing reports back in the
//! queue with their real times (never an invented or shifted one).
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Access, AppState};
use crate::db::PgConnection;
use crate::db::bpjs_tasks;
use crate::db::hfis::{self, JknVisit};
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// A task as BPJS recorded it: (taskid, waktu in ms).
pub type BpjsTaskTimes = Vec<(i16, i64)>;

/// One mismatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mismatch {
    /// `missing_at_bpjs`, `unknown_here`, `task_missing`, `time_differs`.
    pub kind: String,
    pub kodebooking: String,
    pub visit_id: Option<i64>,
    pub taskid: Option<i16>,
    /// Our time (ms) and BPJS's.
    pub ours: Option<i64>,
    pub bpjs: Option<i64>,
}

/// A day's reconciliation with BPJS, as computed and kept (the stored JSON).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    /// `YYYY-MM-DD`
    pub date: String,
    /// RFC 3339 with the hospital's offset.
    pub checked_at: String,
    pub jkn_visits: usize,
    pub bpjs_registrations: usize,
    pub mismatches: Vec<Mismatch>,
    pub in_order: InOrder,
    pub waiting_times: WaitingTimes,
    /// BPJS calls that failed, `kodebooking: error`.
    pub errors: Vec<String>,
}

/// How many known JKN visits have their task times complete and in order at BPJS.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InOrder {
    pub visits: usize,
    pub complete: usize,
    /// `complete / visits`; null without visits.
    pub share: Option<f64>,
}

/// Average waits per task: BPJS's dashboard as it answered (null when it could not be
/// asked), and SIPOLI's per BPJS poli code (`{avg_waktu_task1: seconds, ...}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingTimes {
    pub bpjs: Option<Value>,
    pub sipoli: BTreeMap<String, Value>,
}

/// What BPJS said about the day.
pub struct BpjsDay {
    pub registrations: Result<Value, String>,
    pub tasks: HashMap<String, Result<BpjsTaskTimes, String>>,
    pub dashboard: Result<Value, String>,
}

/// Read a getlisttask answer: `[{taskid, waktu ("dd-mm-yyyy hh:mm:ss WIB" or ms), wakturs}]`.
pub fn parse_task_list(response: &Value, tz: Tz) -> BpjsTaskTimes {
    let list = response.get("list").unwrap_or(response);
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    list.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| {
                    let taskid = i16::try_from(num(&r["taskid"])?).ok()?;
                    let waktu = num(&r["waktu"]).or_else(|| {
                        let text = r["wakturs"].as_str().or(r["waktu"].as_str())?;
                        let text = text.trim().trim_end_matches(" WIB").trim_end_matches(" WIT");
                        let local =
                            chrono::NaiveDateTime::parse_from_str(text, "%d-%m-%Y %H:%M:%S")
                                .ok()?;
                        Some(
                            crate::domain::rules::local_datetime(tz, local.date(), local.time())
                                .timestamp_millis(),
                        )
                    })?;
                    Some((taskid, waktu))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The booking codes of BPJS's registrations for the day.
fn registration_codes(v: &Value) -> Vec<String> {
    let list = v.get("list").unwrap_or(v);
    list.as_array()
        .map(|rows| {
            rows.iter().filter_map(|r| r["kodebooking"].as_str().map(str::to_string)).collect()
        })
        .unwrap_or_default()
}

/// Our JKN bookings of the day: the ones to ask BPJS for (those BPJS should know).
pub async fn bookings_to_check(st: &AppState, date: NaiveDate) -> AppResult<Vec<String>> {
    let visits = super::read(st, move |c| hfis::jkn_visits(c, date)).await?;
    Ok(visits.into_iter().filter(|v| v.known).map(|v| v.booking_code).collect())
}

fn our_tasks(conn: &mut PgConnection, visit_id: i64) -> AppResult<Vec<(i16, i64)>> {
    Ok(bpjs_tasks::of_visit(conn, visit_id)?
        .into_iter()
        .filter_map(|t| t.taskid.map(|id| (id, t.waktu)))
        .filter(|(id, _)| *id != 99)
        .collect())
}

/// Mismatches between our visits and BPJS's records (pure).
pub fn mismatches(
    ours: &[(JknVisit, Vec<(i16, i64)>)],
    registered: &[String],
    tasks: &HashMap<String, Result<BpjsTaskTimes, String>>,
) -> Vec<Mismatch> {
    let m = |kind: &str, v: &JknVisit, taskid, ours, bpjs| Mismatch {
        kind: kind.into(),
        kodebooking: v.booking_code.clone(),
        visit_id: Some(v.id),
        taskid,
        ours,
        bpjs,
    };
    let mut out = Vec::new();
    for (v, our) in ours.iter().filter(|(v, _)| v.known) {
        if !registered.contains(&v.booking_code) {
            out.push(m("missing_at_bpjs", v, None, None, None));
        }
        let Some(Ok(theirs)) = tasks.get(&v.booking_code) else { continue };
        for (taskid, waktu) in our {
            match theirs.iter().find(|(t, _)| t == taskid) {
                None => out.push(m("task_missing", v, Some(*taskid), Some(*waktu), None)),
                Some((_, w)) if (w - waktu).abs() > 60_000 => {
                    out.push(m("time_differs", v, Some(*taskid), Some(*waktu), Some(*w)));
                }
                Some(_) => {}
            }
        }
    }
    for code in registered.iter().filter(|c| !ours.iter().any(|(v, _)| &v.booking_code == *c)) {
        out.push(Mismatch {
            kind: "unknown_here".into(),
            kodebooking: code.clone(),
            visit_id: None,
            taskid: None,
            ours: None,
            bpjs: None,
        });
    }
    out
}

/// Did all of a visit's clinic tasks (3–5, and 6–7 when we have a pharmacy part) reach
/// BPJS, in order, on the service day?
fn in_order(our: &[(i16, i64)], theirs: &BpjsTaskTimes, day: (i64, i64)) -> bool {
    let pharmacy = our.iter().any(|(t, _)| *t == 6);
    let wanted: &[i16] = if pharmacy { &[3, 4, 5, 6, 7] } else { &[3, 4, 5] };
    let mut last = i64::MIN;
    for t in wanted {
        let Some((_, w)) = theirs.iter().find(|(id, _)| id == t) else { return false };
        if *w < last || *w < day.0 || *w >= day.1 {
            return false;
        }
        last = *w;
    }
    true
}

/// Average seconds from each task to the next, per BPJS poli code (SIPOLI's side of the
/// waiting-time dashboard).
fn our_waits(ours: &[(JknVisit, Vec<(i16, i64)>)]) -> BTreeMap<String, Value> {
    let mut sums: BTreeMap<String, BTreeMap<i16, (i64, i64)>> = BTreeMap::new();
    for (v, tasks) in ours {
        let mut sorted = tasks.clone();
        sorted.sort_by_key(|(id, _)| *id);
        for pair in sorted.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b.0 != a.0 + 1 {
                continue;
            }
            let e = sums
                .entry(v.kodepoli.clone().unwrap_or_default())
                .or_default()
                .entry(a.0)
                .or_insert((0, 0));
            e.0 += (b.1 - a.1) / 1000;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(poli, per)| {
            let mut row = serde_json::Map::new();
            for (task, (sum, n)) in per {
                row.insert(format!("avg_waktu_task{task}"), json!(sum / n.max(1)));
            }
            (poli, Value::Object(row))
        })
        .collect()
}

/// Compare the day and keep the result (the nightly run and the console's "check now").
pub async fn reconcile(st: &AppState, date: NaiveDate, bpjs: BpjsDay) -> AppResult<Value> {
    let (tz, now) = (st.tz(), st.now());
    super::in_transaction(st, move |c| {
        let mut ours = Vec::new();
        for v in hfis::jkn_visits(c, date)? {
            let tasks = our_tasks(c, v.id)?;
            ours.push((v, tasks));
        }
        let registered = match &bpjs.registrations {
            Ok(v) => registration_codes(v),
            Err(_) => Vec::new(),
        };
        let mut list = if bpjs.registrations.is_ok() {
            mismatches(&ours, &registered, &bpjs.tasks)
        } else {
            Vec::new()
        };
        list.sort_by(|a, b| (&a.kodebooking, a.taskid).cmp(&(&b.kodebooking, b.taskid)));
        let day = super::audit::local_day(tz, date);
        let day = (day.0.timestamp_millis(), day.1.timestamp_millis());
        let known: Vec<&(JknVisit, Vec<(i16, i64)>)> =
            ours.iter().filter(|(v, _)| v.known).collect();
        let good = known
            .iter()
            .filter(|(v, our)| {
                matches!(bpjs.tasks.get(&v.booking_code), Some(Ok(t)) if in_order(our, t, day))
            })
            .count();
        let errors: Vec<String> = bpjs
            .tasks
            .iter()
            .filter_map(|(code, r)| r.as_ref().err().map(|e| format!("{code}: {e}")))
            .chain(bpjs.registrations.as_ref().err().cloned())
            .chain(bpjs.dashboard.as_ref().err().cloned())
            .collect();
        let bpjs_waits = bpjs.dashboard.as_ref().ok().map(|d| d.get("list").unwrap_or(d).clone());
        let result = json!(Reconciliation {
            date: date.to_string(),
            checked_at: crate::http::views::time(now, tz),
            jkn_visits: known.len(),
            bpjs_registrations: registered.len(),
            mismatches: list,
            in_order: InOrder {
                visits: known.len(),
                complete: good,
                share: (!known.is_empty()).then(|| (good as f64) / (known.len() as f64)),
            },
            waiting_times: WaitingTimes { bpjs: bpjs_waits, sipoli: our_waits(&ours) },
            errors,
        });
        hfis::save_reconciliation(c, date, &result, now)?;
        Ok(result)
    })
    .await
}

/// Admins: the stored result of a day (`None` if never checked).
pub async fn stored(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
) -> AppResult<Option<(Value, DateTime<Utc>)>> {
    staff.require(&[Role::Admin])?;
    super::read(st, move |c| hfis::reconciliation(c, date)).await
}

/// Admins may reconcile on demand.
pub fn require_admin(staff: &StaffIdentity) -> AppResult<()> {
    staff.require(&[Role::Admin])
}

/// Put the reports BPJS is missing for the day back in the queue, with the times they
/// carry (the real ones). Returns how many.
pub async fn requeue_missing(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
) -> AppResult<usize> {
    staff.require(&[Role::Admin])?;
    let now = st.now();
    super::in_transaction(st, move |c| {
        let Some((result, _)) = hfis::reconciliation(c, date)? else {
            return Err(AppError::conflict(
                "not_reconciled",
                "Tanggal ini belum dicocokkan dengan BPJS.",
                "This day has not been reconciled with BPJS yet.",
            ));
        };
        let list: Vec<Mismatch> =
            serde_json::from_value(result["mismatches"].clone()).unwrap_or_default();
        let mut n = 0;
        for m in list {
            let Some(visit_id) = m.visit_id else { continue };
            let key = match (m.kind.as_str(), m.taskid) {
                ("task_missing", Some(t)) => format!("task:{t}"),
                ("missing_at_bpjs", _) => "add".to_string(),
                _ => continue,
            };
            n += bpjs_tasks::resend(c, visit_id, &key, -1, now)?;
        }
        Ok(n)
    })
    .await
}
