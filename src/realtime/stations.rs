//! Station boards: `LISTEN sipoli_steps` → a per-node broadcast of station ids → SSE.
//!
//! A trigger on `visit_steps` announces the station of every visible change (a ticket taken,
//! called, recalled, started, ready, finished…), registration tickets included (they have no
//! visit, so no visit event). A station board's stream carries only "this station changed"
//! (`{"kind":"changed","station":"FARMASI"}`) and the board refetches its public state.

use actix_web::HttpResponse;
use bytes::Bytes;
use tokio::sync::broadcast;

use super::fanout::Fanout;
use super::{HEARTBEAT, HUB_CAPACITY, Hub, Next, opening, sse};

/// The channel of the station notices (payload: the station's id).
pub const STEPS_CHANNEL: &str = "sipoli_steps";
pub(super) const STEPS_LISTEN: &str = "LISTEN sipoli_steps";

/// What a station board hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepNotice {
    /// Something changed at this station (its id).
    Station(i32),
    /// Notices may have been missed (the node listens again): every board refetches.
    All,
}

/// The node's fan-out of station notices. Cheap to clone.
#[derive(Clone)]
pub struct StepHub {
    notices: Fanout<StepNotice>,
}

impl Default for StepHub {
    fn default() -> Self {
        StepHub::new()
    }
}

impl StepHub {
    pub fn new() -> StepHub {
        StepHub { notices: Fanout::new(HUB_CAPACITY, HEARTBEAT, StepNotice::clone) }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StepNotice> {
        self.notices.subscribe()
    }

    /// Station-board streams open on this node now.
    pub fn clients(&self) -> usize {
        self.notices.clients()
    }

    /// A `sipoli_steps` notice (the station id as text).
    pub fn notice(&self, payload: &str) {
        match payload.trim().parse::<i32>() {
            Ok(id) => {
                self.notices.send(StepNotice::Station(id));
            }
            Err(_) => tracing::warn!(payload, "unreadable station notice"),
        }
    }

    /// Tell every board to refetch.
    pub fn resync(&self) {
        self.notices.send(StepNotice::All);
    }
}

impl Hub {
    /// The station boards' notices of this node.
    pub fn steps(&self) -> &StepHub {
        &self.steps
    }
}

/// The SSE frame telling a board that `station` changed (`None`: refetch everything).
fn station_frame(station: Option<&str>) -> Bytes {
    let data = match station {
        Some(code) => serde_json::json!({"kind": "changed", "station": code}),
        None => serde_json::json!({"kind": "resync"}),
    };
    Bytes::from(format!("data: {data}\n\n"))
}

/// The stream of a station board: `stations` are the (id, code) pairs it shows. Opens with
/// a `retry:` hint, sends a heartbeat comment when it has been quiet, and a `changed` frame whenever one
/// of its stations changed (a `resync` one when notices may have been missed: a lagging
/// client or a node that listens again). Public: station codes only, never a ticket's owner.
pub fn station_stream(hub: &Hub, stations: Vec<(i32, String)>) -> HttpResponse {
    sse(opening(), hub.steps().notices.join(), move |received| match received {
        Ok(StepNotice::Station(id)) => match stations.iter().find(|(sid, _)| *sid == id) {
            Some((_, code)) => Next::Send(station_frame(Some(code))),
            None => Next::Skip,
        },
        // Fell behind: some notices are lost, refetch all.
        Ok(StepNotice::All) | Err(broadcast::error::RecvError::Lagged(_)) => {
            Next::Send(station_frame(None))
        }
        Err(broadcast::error::RecvError::Closed) => Next::End,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_station_notice_reaches_the_boards_as_its_id() {
        let hub = StepHub::new();
        let mut rx = hub.subscribe();
        hub.notice(" 7 ");
        hub.notice("not a number");
        hub.resync();
        assert_eq!(rx.try_recv().unwrap(), StepNotice::Station(7));
        assert_eq!(rx.try_recv().unwrap(), StepNotice::All);
        assert!(rx.try_recv().is_err());
        assert_eq!(
            &station_frame(Some("FARMASI"))[..],
            b"data: {\"kind\":\"changed\",\"station\":\"FARMASI\"}\n\n"
        );
    }
}
