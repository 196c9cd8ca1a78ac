//! `GET checkouts/{id}/events`: a checkout's payment state as Server-Sent Events, for the
//! page that shows the VietQR code (or waits on a card) to update the moment the money lands,
//! whichever instance took the bank's notification ([`crate::live`]).

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::{Path, State},
    response::sse::{Event, KeepAlive, Sse},
};
use common::Actor;
use futures_util::Stream;
use order::{checkout::CheckoutState, types::CheckoutStatus};
use tokio::time::Instant;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult, Problem},
    extract::AuthUser,
    live::Watching,
    state::AppState,
};

/// How long after a checkout's payment deadline its stream still waits for the sweep to
/// record it expired.
const PAST_DEADLINE: Duration = Duration::from_secs(60);

/// The checkout's payment state as Server-Sent Events (the buyer only): an event `payment`
/// whose data is the checkout as `GET checkouts/{id}` answers it, first the state it is in,
/// then one at each change (a part of a transfer received, paid, expired, cancelled). The
/// stream ends after the state is no longer awaiting payment, or after
/// `payments.events_max_minutes` (or a minute past the payment deadline): reconnect for
/// more. Comments (`:`) keep an idle stream open. A user holds at most
/// `payments.events_max_streams` streams at once.
#[utoipa::path(get, operation_id = "checkout_events", path = "/api/v1/checkouts/{id}/events", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Checkout id")),
    responses(
        (status = 200, description = "`event: payment` with the checkout's state as `data`, at first and at each change", content_type = "text/event-stream", body = String,
         example = json!("event: payment\ndata: {\"checkout_id\":\"e2c9a7f5-3b1d-4e6a-8c4f-7a5d3b9e1c08\",\"status\":\"awaiting_payment\",\"payment_method\":\"bank_transfer\",\"total\":486000,\"amount_paid\":0,\"amount_due\":486000,\"expires_at\":\"2026-11-02T09:30:00Z\",\"paid_at\":null}\n\n: keep-alive\n\nevent: payment\ndata: {\"checkout_id\":\"e2c9a7f5-3b1d-4e6a-8c4f-7a5d3b9e1c08\",\"status\":\"paid\",\"payment_method\":\"bank_transfer\",\"total\":486000,\"amount_paid\":486000,\"amount_due\":0,\"expires_at\":\"2026-11-02T09:30:00Z\",\"paid_at\":\"2026-11-02T08:47:12Z\"}\n\n")),
        (status = 404, description = "`not_found`: not the caller's checkout", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: the caller holds `payments.events_max_streams` streams already; close one (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn events(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let id = super::path_id(&id)?;
    let actor = auth.user.actor();
    let first = state.checkouts.state(&state.db, &actor, id).await?;
    let p = &state.config.payments;
    let poll = Duration::from_millis(p.events_poll_millis);
    let watching = state
        .live
        .open(auth.user.id, id, p.events_max_streams)
        .ok_or_else(|| ApiError::rate_limited(p.events_keep_alive_secs))?;
    let deadline = deadline(&first, Duration::from_secs(p.events_max_minutes * 60));
    let keep_alive = Duration::from_secs(p.events_keep_alive_secs);
    let follow = Follow {
        state,
        actor,
        id,
        watching,
        poll,
        deadline,
        first: Some(first),
        last: None,
        done: false,
    };
    let stream = futures_util::stream::unfold(follow, |mut f| async move {
        let event = f.next().await?;
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(keep_alive)))
}

/// When the stream of checkout `c` ends at the latest: after `most`, or a minute past the
/// payment deadline of one awaiting payment.
fn deadline(c: &CheckoutState, most: Duration) -> Instant {
    let now = Instant::now();
    let by_expiry = c
        .expires_at
        .filter(|_| c.status == CheckoutStatus::AwaitingPayment)
        .map(|at| {
            let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            now + left + PAST_DEADLINE
        });
    by_expiry.map_or(now + most, |e| e.min(now + most))
}

/// One stream following one checkout.
struct Follow {
    state: AppState,
    actor: Actor,
    id: Uuid,
    watching: Watching,
    poll: Duration,
    deadline: Instant,
    /// The state read when the stream was asked for, sent first.
    first: Option<CheckoutState>,
    /// The data of the last event sent.
    last: Option<String>,
    /// The last event was a settled state: the stream ends.
    done: bool,
}

impl Follow {
    /// The next event: the checkout's state once it differs from the last sent; `None` when
    /// the stream ends (settled, past its deadline, or the checkout unreadable).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.done {
                return None;
            }
            let current = match self.first.take() {
                Some(c) => c,
                None => self.read().await?,
            };
            let data = serde_json::to_string(&current).ok()?;
            if self.last.as_deref() != Some(data.as_str()) {
                self.done = current.status != CheckoutStatus::AwaitingPayment;
                self.last = Some(data.clone());
                return Some(Event::default().event("payment").data(data));
            }
            if !self.wait().await {
                return None;
            }
        }
    }

    async fn read(&self) -> Option<CheckoutState> {
        let read = self
            .state
            .checkouts
            .state(&self.state.db, &self.actor, self.id)
            .await;
        read.map_err(|e| tracing::warn!(checkout = %self.id, error = %e, "checkout stream ends"))
            .ok()
    }

    /// Waits for a wake-up from this instance or the next re-read; `false` once the stream's
    /// deadline has passed.
    async fn wait(&mut self) -> bool {
        let changes = &mut self.watching.changes;
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    tokio::time::sleep(self.poll).await;
                }
                true
            }
            () = tokio::time::sleep(self.poll) => true,
            () = tokio::time::sleep_until(self.deadline) => false,
        }
    }
}
