//! Which events reach a user by email. Every optional event is on until the user turns it off;
//! account events (reset, verification, password changed) always go.

use std::collections::{BTreeMap, HashSet};

use common::{Error, FieldCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::{Event, entity::optout};

/// Each optional event and whether it reaches the user by email.
pub async fn email_settings<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
) -> Result<BTreeMap<&'static str, bool>, Error> {
    // A row naming no event is corrupt: an error, not an event silently left on.
    let off: HashSet<Event> = optout::Entity::find()
        .filter(optout::Column::UserId.eq(user))
        .all(db)
        .await
        .map_err(Error::internal)?
        .iter()
        .map(|o| common::stored::<Event>(&o.event))
        .collect::<Result<_, _>>()?;
    Ok(Event::ALL
        .iter()
        .filter(|e| e.email_optional())
        .map(|e| (e.as_str(), !off.contains(e)))
        .collect())
}

/// Turns events' email on or off; names that are no optional event are refused, all at once,
/// and nothing changes.
pub async fn set_email<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    changes: &BTreeMap<String, bool>,
) -> Result<BTreeMap<&'static str, bool>, Error> {
    let mut v = common::validate::Validator::new();
    let mut parsed = Vec::with_capacity(changes.len());
    for (name, on) in changes {
        match Event::parse(name).filter(|e| e.email_optional()) {
            Some(e) => parsed.push((e, *on)),
            None => {
                let field = format!("email.{}", name.chars().take(60).collect::<String>());
                v.add(
                    &field,
                    FieldCode::UnknownEvent,
                    "is not an event whose email can be turned off",
                );
            }
        }
    }
    v.finish()?;
    for (event, on) in parsed {
        if on {
            optout::Entity::delete_many()
                .filter(optout::Column::UserId.eq(user))
                .filter(optout::Column::Event.eq(event.as_str()))
                .exec(db)
                .await
                .map_err(Error::internal)?;
        } else {
            optout::Entity::insert(optout::ActiveModel {
                user_id: Set(user),
                event: Set(event.as_str().into()),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    optout::Column::UserId,
                    optout::Column::Event,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map_err(Error::internal)?;
        }
    }
    email_settings(db, user).await
}
