//! A delivery's closed sets, as its row stores them: where it stands ([`DeliveryState`]) and
//! the channel it goes by ([`ChannelKind`]). A row holding anything else is corrupt.

use common::Stored;

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting to be sent (or retried).
    Pending,
    /// Accepted by the mail server or the webhook's receiver.
    Sent,
    /// Given up: refused for good, or retried too often.
    Failed,
    /// Email while no mail server is configured: never sent.
    Off,
}

impl Stored for DeliveryState {
    const WHAT: &'static str = "delivery status";
    const ALL: &'static [Self] = &[Self::Pending, Self::Sent, Self::Failed, Self::Off];
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Off => "off",
        }
    }
}

/// The channel a delivery goes by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// By SMTP.
    Email,
    /// A stall's outgoing webhook.
    Webhook,
}

impl ChannelKind {
    /// The stored form, usable in constants ([`crate::channels`]); the same as
    /// [`Stored::as_str`].
    pub const fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }
}

impl Stored for ChannelKind {
    const WHAT: &'static str = "delivery channel";
    const ALL: &'static [Self] = &[Self::Email, Self::Webhook];
    fn as_str(self) -> &'static str {
        self.name()
    }
}

#[cfg(test)]
mod tests {
    use common::{ErrorKind, stored};

    use super::*;

    #[test]
    fn every_stored_form_reads_back() {
        for s in DeliveryState::ALL {
            assert_eq!(stored::<DeliveryState>(s.as_str()).unwrap(), *s);
        }
        for c in ChannelKind::ALL {
            assert_eq!(stored::<ChannelKind>(c.as_str()).unwrap(), *c);
        }
        assert_eq!(crate::channels::EMAIL, ChannelKind::Email.as_str());
        assert_eq!(crate::channels::WEBHOOK, ChannelKind::Webhook.as_str());
    }

    #[test]
    fn a_corrupt_value_is_an_internal_error_not_a_default() {
        for bad in ["", "Pending", "pending ", "delivered", "sms"] {
            let e = stored::<DeliveryState>(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Internal, "{bad:?}");
            assert_eq!(
                stored::<ChannelKind>(bad).unwrap_err().kind,
                ErrorKind::Internal,
                "{bad:?}"
            );
        }
    }
}
