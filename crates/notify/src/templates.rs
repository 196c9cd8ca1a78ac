//! The Vietnamese texts of notifications, kept as data (`config/notify/templates.toml`), and
//! the facts they are filled with.

use std::collections::{BTreeMap, HashMap};

use common::money::Money;
use serde::Deserialize;

use crate::event::Event;

/// The templates shipped with the binary.
pub const DEFAULT: &str = include_str!("../../../config/notify/templates.toml");

/// One event's texts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Template {
    title: String,
    body: String,
    /// The texts for the buyer, for an event both a stall and its buyer hear of
    /// (`[payment_received.buyer]`): the stall is asked to act, the buyer is reassured.
    #[serde(default)]
    buyer: Option<Texts>,
}

/// A title and a body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts {
    title: String,
    body: String,
}

/// Whom a text speaks to, for an event more than one side hears of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Voice {
    /// The event's own audience.
    #[default]
    Usual,
    /// The buyer of the order (the buyer's texts when the event has them).
    Buyer,
}

/// Every event's texts.
#[derive(Clone, Debug)]
pub struct Templates {
    by_event: HashMap<Event, Template>,
}

/// What went wrong reading templates.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// Not TOML of the expected shape.
    #[error("templates: {0}")]
    Parse(#[from] toml::de::Error),
    /// A table for no known event.
    #[error("templates: no event is called `{0}`")]
    UnknownEvent(String),
    /// An event without a template.
    #[error("templates: `{0}` has no template")]
    Missing(&'static str),
    /// A placeholder the event does not supply.
    #[error("templates: `{event}` names `{{{fact}}}`, which that event does not have")]
    UnknownFact {
        /// The event.
        event: &'static str,
        /// The placeholder.
        fact: String,
    },
}

impl Templates {
    /// The templates shipped with the binary.
    ///
    /// # Panics
    /// Never: a unit test parses the shipped file.
    #[allow(clippy::expect_used)]
    pub fn shipped() -> Self {
        Self::parse(DEFAULT).expect("the shipped templates parse")
    }

    /// Reads templates; every event must have one, naming only the facts it has.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let raw: BTreeMap<String, Template> = toml::from_str(text)?;
        let mut by_event = HashMap::new();
        for (name, t) in raw {
            let event = Event::parse(&name).ok_or(TemplateError::UnknownEvent(name))?;
            let buyer = t.buyer.iter().flat_map(|b| [&b.title, &b.body]);
            let texts = [&t.title, &t.body].into_iter().chain(buyer);
            for fact in texts.flat_map(|text| placeholders(text)) {
                if !event.facts().contains(&fact) {
                    return Err(TemplateError::UnknownFact {
                        event: event.as_str(),
                        fact: fact.to_owned(),
                    });
                }
            }
            by_event.insert(event, t);
        }
        if let Some(missing) = Event::ALL.iter().find(|e| !by_event.contains_key(e)) {
            return Err(TemplateError::Missing(missing.as_str()));
        }
        Ok(Self { by_event })
    }

    /// The title and body of `event` with `facts` filled in.
    pub fn render(&self, event: Event, facts: &Facts) -> (String, String) {
        self.render_for(event, Voice::Usual, facts)
    }

    /// The title and body of `event` for `voice` (its usual texts when it has none of that
    /// voice) with `facts` filled in.
    pub fn render_for(&self, event: Event, voice: Voice, facts: &Facts) -> (String, String) {
        let Some(t) = self.by_event.get(&event) else {
            return (event.as_str().to_owned(), String::new());
        };
        let (title, body) = match (voice, &t.buyer) {
            (Voice::Buyer, Some(b)) => (&b.title, &b.body),
            _ => (&t.title, &t.body),
        };
        (fill(title, facts), fill(body.trim(), facts))
    }
}

/// The facts of one event: shown in the texts, and sent as data to webhooks.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    shown: BTreeMap<&'static str, String>,
    data: serde_json::Map<String, serde_json::Value>,
}

impl Facts {
    /// No facts yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A piece of text.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.data.insert(name.into(), value.clone().into());
        self.shown.insert(name, value);
        self
    }

    /// An amount in đồng, shown as `1.250.000 ₫` and sent as the integer.
    pub fn money(mut self, name: &'static str, dong: i64) -> Self {
        self.data.insert(name.into(), dong.into());
        self.shown.insert(name, Money::from_dong(dong).to_string());
        self
    }

    /// A count.
    pub fn number(mut self, name: &'static str, n: i64) -> Self {
        self.data.insert(name.into(), n.into());
        self.shown.insert(name, n.to_string());
        self
    }

    /// Shown in the texts only, never sent as data (a single-use link).
    pub fn secret(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.shown.insert(name, value.into());
        self
    }

    /// A fact sent as data only (an id a program needs, never in the texts).
    pub fn data(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(name.into(), value.into());
        self
    }

    /// The facts as data (secrets left out).
    pub fn to_data(&self) -> serde_json::Value {
        serde_json::Value::Object(self.data.clone())
    }

    pub(crate) fn with_name(mut self, name: &str) -> Self {
        self.shown.insert("name", name.to_owned());
        self
    }
}

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

fn fill(text: &str, facts: &Facts) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                out.push_str(facts.shown.get(name).map_or("", String::as_str));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_cover_every_event_with_known_facts() {
        let t = Templates::parse(DEFAULT);
        assert!(t.is_ok(), "{:?}", t.err());
    }

    #[test]
    fn texts_are_filled_with_vietnamese_amounts() {
        let t = Templates::shipped();
        let facts = Facts::new()
            .text("stall", "Nước mắm Cửa Tùng")
            .text("order", "#0193ABCD")
            .money("total", 1_250_000)
            .number("items", 3)
            .text("payment", "Thanh toán khi nhận hàng")
            .text("commune", "Xã Cửa Tùng")
            .with_name("Hoàng Văn Nam");
        let (title, body) = t.render(Event::NewOrder, &facts);
        assert_eq!(title, "Đơn hàng mới #0193ABCD tại Nước mắm Cửa Tùng");
        assert!(body.starts_with("Chào Hoàng Văn Nam,"), "{body}");
        assert!(body.contains("tổng cộng 1.250.000 ₫"), "{body}");
        assert!(!body.contains('{'), "{body}");
        assert_eq!(facts.to_data()["total"], serde_json::json!(1_250_000));
    }

    #[test]
    fn bad_templates_are_refused_with_what_is_wrong() {
        let e = Templates::parse("[nope]\ntitle = \"x\"\nbody = \"y\"\n").err();
        assert!(matches!(e, Some(TemplateError::UnknownEvent(n)) if n == "nope"));
        let only_one = "[new_order]\ntitle = \"{order}\"\nbody = \"{password}\"\n";
        let e = Templates::parse(only_one).err();
        assert!(
            matches!(&e, Some(TemplateError::UnknownFact { fact, .. }) if fact == "password"),
            "{e:?}"
        );
        let e = Templates::parse("[new_order]\ntitle = \"{order}\"\nbody = \"\"\n").err();
        assert!(matches!(e, Some(TemplateError::Missing(_))), "{e:?}");
    }

    #[test]
    fn secrets_are_shown_but_never_data() {
        let f = Facts::new().secret("link", "https://x/reset?token=abc");
        assert_eq!(f.to_data(), serde_json::json!({}));
        assert_eq!(
            fill("{link}", &f.with_name("A")),
            "https://x/reset?token=abc"
        );
    }
}
