//! Who is acting: the subject every authorization decision is made about.

use uuid::Uuid;

use crate::Error;

/// The caller of a domain service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in.
    Anonymous,
    /// A signed-in user.
    User {
        /// The user's id.
        id: Uuid,
        /// Whether the user administers the marketplace.
        is_admin: bool,
    },
}

impl Actor {
    /// The signed-in user's id, if any.
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Actor::Anonymous => None,
            Actor::User { id, .. } => Some(*id),
        }
    }

    /// Whether the actor is an administrator.
    pub fn is_admin(&self) -> bool {
        matches!(self, Actor::User { is_admin: true, .. })
    }

    /// The signed-in user's id, or `unauthorized`.
    pub fn require_user(&self) -> Result<Uuid, Error> {
        self.user_id()
            .ok_or_else(|| Error::unauthorized("Sign in to do this."))
    }

    /// Succeeds only for administrators: anonymous callers get `unauthorized`, others
    /// `forbidden`.
    pub fn require_admin(&self) -> Result<Uuid, Error> {
        let id = self.require_user()?;
        if self.is_admin() {
            Ok(id)
        } else {
            Err(Error::forbidden("Only administrators may do this."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn admin_checks_tell_anonymous_from_forbidden() {
        let id = Uuid::now_v7();
        let anon = Actor::Anonymous;
        let user = Actor::User {
            id,
            is_admin: false,
        };
        let admin = Actor::User { id, is_admin: true };

        assert_eq!(
            anon.require_admin().map_err(|e| e.kind).unwrap_err(),
            ErrorKind::Unauthorized
        );
        assert_eq!(
            user.require_admin().map_err(|e| e.kind).unwrap_err(),
            ErrorKind::Forbidden
        );
        assert_eq!(admin.require_admin().ok(), Some(id));
        assert_eq!(user.require_user().ok(), Some(id));
    }
}
