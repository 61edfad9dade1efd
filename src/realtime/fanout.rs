//! A node's fan-out to its SSE clients, one relay per worker thread.
//!
//! A `tokio::sync::broadcast` receiver per client made every event wake each client's task
//! from the thread that published it: 10,000 clients meant 10,000 wake-ups across threads,
//! each taking the worker's shared queue, and 10,000 heartbeat timers and shutdown watchers.
//! Here each worker thread that serves streams has one relay task with one receiver. The relay
//! queues every message for the thread's own clients and wakes them on the same thread (a
//! local wake-up, no lock), sends the heartbeats from one timer, and tells them when the node
//! stops. A client is a slot in its thread's list: a short queue and a waker.
//!
//! Heartbeats are spread over the interval: the timer ticks [`BEAT_PARTS`] times per interval
//! and each tick looks at one part of the clients, so that 10,000 pings do not leave in one
//! burst (and hold back a call going out at that moment). A client sent a frame within half
//! an interval needs no ping, and neither does one with frames still queued (it is not
//! draining); each part is looked at once an interval, so no stream that drains stays silent
//! for 1.5 intervals. An event a stream skips (another clinic's, say) is not a frame sent:
//! the stream calls [`Member::sent`] for what it writes.
//!
//! A client that falls [`CLIENT_BACKLOG`] messages behind (its socket does not drain) has its
//! queue dropped and hears "lagged", as a broadcast receiver would.
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};

/// The most messages a client's queue holds before it is told it lagged.
pub const CLIENT_BACKLOG: usize = 1024;
/// Heartbeat ticks per interval; each looks at every `BEAT_PARTS`-th client.
pub const BEAT_PARTS: u32 = 15;

/// What a client hears from its thread's relay.
#[derive(Debug, Clone)]
pub enum Heard<T> {
    /// A message of the hub, or the news that some were lost (or that the hub is gone).
    Message(Result<T, RecvError>),
    /// Time for a heartbeat comment.
    Beat,
    /// The node is stopping: say goodbye and end.
    Stop,
}

/// A hub's channel and its per-thread relays. Cheap to clone.
pub struct Fanout<T> {
    sender: broadcast::Sender<T>,
    /// Tells this fan-out's relays apart from another node's in the same process (tests).
    id: u64,
    clients: Arc<AtomicUsize>,
    heartbeat: Duration,
    /// Each relay's own copy of a message, so that its clients' reference counting stays on
    /// their thread's core instead of bouncing one cache line between the workers.
    local: fn(&T) -> T,
}

impl<T> Clone for Fanout<T> {
    fn clone(&self) -> Self {
        Fanout {
            sender: self.sender.clone(),
            id: self.id,
            clients: self.clients.clone(),
            heartbeat: self.heartbeat,
            local: self.local,
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's relay group of each fan-out (`Rc<Group<T>>` behind `Any`).
    static GROUPS: RefCell<HashMap<u64, Rc<dyn Any>>> = RefCell::new(HashMap::new());
}

impl<T: Clone + 'static> Fanout<T> {
    /// `local` makes a relay's copy of a message (`Clone::clone` when sharing is cheap).
    pub fn new(capacity: usize, heartbeat: Duration, local: fn(&T) -> T) -> Fanout<T> {
        let (sender, _) = broadcast::channel(capacity);
        Fanout {
            sender,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            clients: Arc::new(AtomicUsize::new(0)),
            heartbeat,
            local,
        }
    }

    /// Hand a message to every client (none listening is not an error).
    pub fn send(&self, message: T) {
        let _ = self.sender.send(message);
    }

    /// A plain receiver of every message (tests, and code that is not a client stream).
    pub fn subscribe(&self) -> broadcast::Receiver<T> {
        self.sender.subscribe()
    }

    /// Client streams open now, on every thread.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// A new client on this worker thread: it hears every message sent from now on. Must be
    /// called inside the worker's `LocalSet` (any actix-web handler is).
    pub fn join(&self) -> Member<T> {
        let group = self.group();
        let index = group.insert();
        self.clients.fetch_add(1, Ordering::Relaxed);
        Member { group, index, clients: self.clients.clone(), done: false }
    }

    /// This thread's group, with its relay started on first use.
    fn group(&self) -> Rc<Group<T>> {
        GROUPS.with(|groups| {
            let mut groups = groups.borrow_mut();
            if let Some(group) =
                groups.get(&self.id).and_then(|g| g.clone().downcast::<Group<T>>().ok())
                && !group.finished.get()
            {
                return group;
            }
            let group = Rc::new(Group::default());
            groups.insert(self.id, group.clone());
            let relay = Relay { group: group.clone(), id: self.id };
            actix_web::rt::spawn(relay.run(self.sender.subscribe(), self.heartbeat, self.local));
            group
        })
    }
}

/// The clients of one fan-out on one thread.
struct Group<T> {
    slots: RefCell<Vec<Option<Slot<T>>>>,
    free: RefCell<Vec<usize>>,
    /// The relay has ended: a new client starts a new group.
    finished: Cell<bool>,
    /// Heartbeat ticks so far (a coarse clock: [`BEAT_PARTS`] ticks per interval).
    tick: Cell<u32>,
    /// Clients in `slots` now.
    live: Cell<usize>,
}

impl<T> Default for Group<T> {
    fn default() -> Self {
        Group {
            slots: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            finished: Cell::new(false),
            tick: Cell::new(0),
            live: Cell::new(0),
        }
    }
}

struct Slot<T> {
    queue: VecDeque<Heard<T>>,
    waker: Option<Waker>,
    /// The tick when this client was last sent something.
    last: u32,
}

impl<T: Clone> Group<T> {
    fn insert(&self) -> usize {
        let slot = Slot { queue: VecDeque::new(), waker: None, last: self.tick.get() };
        self.live.set(self.live.get() + 1);
        let mut slots = self.slots.borrow_mut();
        match self.free.borrow_mut().pop() {
            Some(i) => {
                slots[i] = Some(slot);
                i
            }
            None => {
                slots.push(Some(slot));
                slots.len() - 1
            }
        }
    }

    fn remove(&self, index: usize) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(index)
            && slot.take().is_some()
        {
            self.free.borrow_mut().push(index);
            self.live.set(self.live.get() - 1);
        }
    }

    /// One heartbeat tick: ping this tick's part of the clients, those sent nothing for half
    /// an interval and with nothing queued (a client not draining needs no more). Each part
    /// is looked at once an interval, so no stream is silent for 1.5 intervals.
    fn beat(&self) {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if self.live.get() == 0 {
            return;
        }
        let part = (tick % BEAT_PARTS) as usize;
        let mut slots = self.slots.borrow_mut();
        for slot in slots.iter_mut().skip(part).step_by(BEAT_PARTS as usize).flatten() {
            if tick.wrapping_sub(slot.last) >= BEAT_PARTS / 2 && slot.queue.is_empty() {
                slot.last = tick;
                slot.queue.push_back(Heard::Beat);
                if let Some(waker) = &slot.waker {
                    waker.wake_by_ref();
                }
            }
        }
    }

    /// Queue `heard` for every client of this thread and wake them.
    fn tell_all(&self, heard: &Heard<T>) {
        // A task's waker only schedules it (on this thread: the worker's local queue), so
        // waking inside the borrow is safe.
        for slot in self.slots.borrow_mut().iter_mut().flatten() {
            if slot.queue.len() >= CLIENT_BACKLOG {
                slot.queue.clear();
                slot.queue.push_back(Heard::Message(Err(RecvError::Lagged(CLIENT_BACKLOG as u64))));
            }
            slot.queue.push_back(heard.clone());
            if let Some(waker) = &slot.waker {
                waker.wake_by_ref();
            }
        }
    }
}

/// One thread's relay: the broadcast receiver, the heartbeat and the shutdown watch.
struct Relay<T: Clone + 'static> {
    group: Rc<Group<T>>,
    id: u64,
}

impl<T: Clone + 'static> Relay<T> {
    async fn run(self, mut live: broadcast::Receiver<T>, heartbeat: Duration, local: fn(&T) -> T) {
        let tick = heartbeat / BEAT_PARTS;
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
        // A stalled worker catches up on the ticks it missed: they are the pings' clock.
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let stop = crate::shutdown::stopped();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => {
                    self.group.tell_all(&Heard::Stop);
                    return;
                }
                received = live.recv() => {
                    let closed = matches!(received, Err(RecvError::Closed));
                    // No clients on this thread now: no copy to make, nobody to tell.
                    if self.group.live.get() > 0 || closed {
                        self.group.tell_all(&Heard::Message(received.map(|m| local(&m))));
                    }
                    if closed {
                        return;
                    }
                }
                _ = beat.tick() => self.group.beat(),
            }
        }
    }
}

impl<T: Clone + 'static> Drop for Relay<T> {
    /// The relay ended (or its worker stopped): the next client on this thread starts anew.
    fn drop(&mut self) {
        self.group.finished.set(true);
        let _ = GROUPS.try_with(|groups| {
            if let Ok(mut groups) = groups.try_borrow_mut()
                && groups
                    .get(&self.id)
                    .is_some_and(|g| std::ptr::addr_eq(Rc::as_ptr(g), Rc::as_ptr(&self.group)))
            {
                groups.remove(&self.id);
            }
        });
    }
}

/// One client stream's place in its thread's group; leaving it (drop) frees the place.
pub struct Member<T: Clone> {
    group: Rc<Group<T>>,
    index: usize,
    clients: Arc<AtomicUsize>,
    done: bool,
}

impl<T: Clone> Member<T> {
    /// The next thing this client hears; `None` once the node stops or the relay is gone.
    pub fn poll_heard(&mut self, cx: &mut Context<'_>) -> Poll<Option<Heard<T>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut slots = self.group.slots.borrow_mut();
        let Some(Some(slot)) = slots.get_mut(self.index) else {
            self.done = true;
            return Poll::Ready(None);
        };
        match slot.queue.pop_front() {
            Some(heard) => {
                match heard {
                    Heard::Stop | Heard::Message(Err(RecvError::Closed)) => self.done = true,
                    Heard::Message(_) | Heard::Beat => {}
                }
                Poll::Ready(Some(heard))
            }
            // Polled while the node stops, before the relay said so (the server's own
            // shutdown polls the streams): the goodbye is the same.
            None if crate::shutdown::is_stopping() => {
                self.done = true;
                Poll::Ready(Some(Heard::Stop))
            }
            None if self.group.finished.get() => {
                self.done = true;
                Poll::Ready(None)
            }
            None => {
                // The same task polls each time: its waker is kept, not cloned again.
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl<T: Clone> Member<T> {
    /// The client was sent a frame now: it needs no ping for a while. (A message it skips,
    /// another clinic's event say, does not count: the stream stayed silent.)
    pub fn sent(&mut self) {
        if let Some(Some(slot)) = self.group.slots.borrow_mut().get_mut(self.index) {
            slot.last = self.group.tick.get();
        }
    }
}

impl<T: Clone> Drop for Member<T> {
    fn drop(&mut self) {
        self.group.remove(self.index);
        self.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn stream_of(mut member: Member<u32>) -> impl futures_util::Stream<Item = Heard<u32>> {
        futures_util::stream::poll_fn(move |cx| member.poll_heard(cx))
    }

    #[actix_web::test]
    async fn every_client_of_a_thread_hears_each_message_once_and_leaving_frees_its_place() {
        let fanout: Fanout<u32> = Fanout::new(16, Duration::from_secs(3600), u32::clone);
        let one = fanout.join();
        let two = fanout.join();
        assert_eq!(fanout.clients(), 2);
        let (mut one, mut two) = (Box::pin(stream_of(one)), Box::pin(stream_of(two)));
        fanout.send(7);
        fanout.send(8);
        for s in [&mut one, &mut two] {
            assert!(matches!(s.next().await, Some(Heard::Message(Ok(7)))));
            assert!(matches!(s.next().await, Some(Heard::Message(Ok(8)))));
        }
        drop(two);
        assert_eq!(fanout.clients(), 1);
        let three = fanout.join();
        assert_eq!(fanout.clients(), 2);
        fanout.send(9);
        assert!(matches!(one.next().await, Some(Heard::Message(Ok(9)))));
        let mut three = Box::pin(stream_of(three));
        assert!(
            matches!(three.next().await, Some(Heard::Message(Ok(9)))),
            "joined before 9 was sent"
        );
    }

    #[actix_web::test]
    async fn a_client_that_does_not_drain_hears_that_it_lagged() {
        let fanout: Fanout<u32> = Fanout::new(4096, Duration::from_secs(3600), u32::clone);
        let mut slow = Box::pin(stream_of(fanout.join()));
        let mut fast = Box::pin(stream_of(fanout.join()));
        for i in 0..(CLIENT_BACKLOG as u32 + 10) {
            fanout.send(i);
            // The fast client reads as it goes; the relay runs when this task waits.
            assert!(matches!(fast.next().await, Some(Heard::Message(Ok(n))) if n == i));
        }
        match slow.next().await {
            Some(Heard::Message(Err(RecvError::Lagged(_)))) => {}
            other => panic!("expected lagged, got {other:?}"),
        }
        let mut rest = 0;
        while let Some(Some(Heard::Message(Ok(_)))) =
            futures_util::FutureExt::now_or_never(slow.next())
        {
            rest += 1;
        }
        assert!(rest < CLIENT_BACKLOG, "the queue was dropped, not kept: {rest}");
    }

    #[actix_web::test]
    async fn the_heartbeat_reaches_every_client_from_one_timer() {
        let fanout: Fanout<u32> = Fanout::new(16, Duration::from_millis(150), u32::clone);
        let clients: Vec<_> = (0..40).map(|_| Box::pin(stream_of(fanout.join()))).collect();
        for mut client in clients {
            assert!(matches!(client.next().await, Some(Heard::Beat)));
        }
    }

    #[test]
    fn a_client_sent_an_event_within_the_interval_needs_no_ping() {
        let group = Rc::new(Group::<u32>::default());
        let clients = Arc::new(AtomicUsize::new(3));
        let member =
            |index| Member { group: group.clone(), index, clients: clients.clone(), done: false };
        let (mut busy, mut idle) = (member(group.insert()), member(group.insert()));
        let mut skipper = member(group.insert());
        let mut skipped_beats = 0;
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        // Three intervals of ticks; the busy client reads an event at every tick, the idle
        // one reads nothing.
        for i in 0..3 * BEAT_PARTS {
            group.tell_all(&Heard::Message(Ok(i)));
            let heard = busy.poll_heard(&mut cx);
            assert!(matches!(heard, Poll::Ready(Some(Heard::Message(Ok(n)))) if n == i));
            busy.sent();
            // The skipper reads everything too but sends no event (another clinic's, say).
            while let Poll::Ready(Some(heard)) = skipper.poll_heard(&mut cx) {
                skipped_beats += usize::from(matches!(heard, Heard::Beat));
            }
            group.beat();
        }
        assert!(busy.poll_heard(&mut cx).is_pending(), "nothing but events for the busy one");
        let mut beats = 0;
        while let Poll::Ready(Some(heard)) = idle.poll_heard(&mut cx) {
            beats += usize::from(matches!(heard, Heard::Beat));
        }
        // It has not read the events queued for it: they are what it will be sent, so no
        // ping is added behind them (nothing piles up for a client that does not drain).
        assert_eq!(beats, 0, "no ping behind queued events");
        // The skipper (part 2: ticks 2, 17, 32) drained its queue and heard pings: the
        // events it skipped were not sent to it.
        while let Poll::Ready(Some(heard)) = skipper.poll_heard(&mut cx) {
            skipped_beats += usize::from(matches!(heard, Heard::Beat));
        }
        assert_eq!(skipped_beats, 2, "a stream that skips every event is still pinged");
    }
}
