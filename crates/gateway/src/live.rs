//! Live streams of checkouts' payment states (`GET checkouts/{id}/events`): who waits on which
//! checkout, and how many streams each user holds open.
//!
//! A change made by this instance wakes the streams watching the checkout at once
//! ([`Live::wake`], [`Live::wake_all`] when the handler does not know which checkout a
//! notification paid); a change made by another instance reaches them at the stream's next
//! re-read of the database, a second later by default (`payments.events_poll_millis`). Each
//! user holds at most `payments.events_max_streams` streams at once: a client cannot tie the
//! server up by opening streams.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::watch;
use uuid::Uuid;

/// The checkouts being watched, and the streams open per user.
#[derive(Debug, Default)]
pub struct Live {
    /// Per checkout watched: a counter bumped on each change (a `watch` channel keeps the
    /// bump for a stream that was busy reading when it came).
    watched: Mutex<HashMap<Uuid, watch::Sender<u64>>>,
    /// Streams open per user.
    open: Mutex<HashMap<Uuid, usize>>,
}

/// One open stream: watching a checkout, counted against its user until dropped.
#[derive(Debug)]
pub struct Watching {
    live: Arc<Live>,
    user: Uuid,
    checkout: Uuid,
    /// Changed when the checkout is woken.
    pub changes: watch::Receiver<u64>,
}

impl Live {
    /// Opens a stream of `user` on `checkout`, or `None` when the user already holds `most`.
    pub fn open(self: &Arc<Self>, user: Uuid, checkout: Uuid, most: usize) -> Option<Watching> {
        {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            let n = open.entry(user).or_default();
            if *n >= most {
                return None;
            }
            *n += 1;
        }
        let changes = {
            let mut watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
            watched
                .entry(checkout)
                .or_insert_with(|| watch::channel(0).0)
                .subscribe()
        };
        Some(Watching {
            live: self.clone(),
            user,
            checkout,
            changes,
        })
    }

    /// Wakes the streams watching `checkout`: it changed here.
    pub fn wake(&self, checkout: Uuid) {
        let watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = watched.get(&checkout) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Wakes every stream: something changed whose checkout the caller does not know (a bank
    /// notification, a card payment's event). Each re-reads its own checkout once.
    pub fn wake_all(&self) {
        let watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        for tx in watched.values() {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Streams open now, all users together.
    pub fn streams(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.values().sum()
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        {
            let mut open = self
                .live
                .open
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(n) = open.get_mut(&self.user) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&self.user);
                }
            }
        }
        let mut watched = self
            .live
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // This stream's receiver is still alive while it drops: the last one sees one.
        if watched
            .get(&self.checkout)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            watched.remove(&self.checkout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_limit_and_gets_a_place_back_on_close() {
        let live = Arc::new(Live::default());
        let (user, checkout) = (Uuid::now_v7(), Uuid::now_v7());
        let first = live.open(user, checkout, 2);
        let second = live.open(user, checkout, 2);
        assert!(first.is_some() && second.is_some());
        assert!(live.open(user, checkout, 2).is_none());
        assert!(live.open(Uuid::now_v7(), checkout, 2).is_some());
        drop(first);
        assert!(live.open(user, checkout, 2).is_some());
        drop(second);
        assert_eq!(live.streams(), 0);
        assert!(live.watched.lock().map(|w| w.is_empty()).unwrap_or(false));
    }

    #[test]
    fn a_wake_reaches_the_streams_of_that_checkout_only() {
        let live = Arc::new(Live::default());
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut on_a = live.open(Uuid::now_v7(), a, 1).map(|w| w.changes.clone());
        let mut on_b = live.open(Uuid::now_v7(), b, 1).map(|w| w.changes.clone());
        live.wake(a);
        assert_eq!(
            on_a.as_mut().map(|r| r.has_changed().unwrap_or(false)),
            Some(true)
        );
        assert_eq!(
            on_b.as_mut().map(|r| r.has_changed().unwrap_or(false)),
            Some(false)
        );
        live.wake_all();
        assert_eq!(
            on_b.as_mut().map(|r| r.has_changed().unwrap_or(false)),
            Some(true)
        );
    }
}
