//! Logging in at the desk: each person picks their name and types their own PIN (argon2id hashes from
//! the central store, so it works offline). Five wrong PINs in a row lock that person out for five
//! minutes; five idle minutes lock the desk. The audit log records who is logged in.

use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use skranke_cache::Actor;
use skranke_core::discount::StaffRole;

use crate::{Desk, DeskError};

/// Wrong PINs in a row before the person is locked out, and for how long.
pub const MAX_WRONG_PINS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 5;
/// Minutes without use before the desk locks and the next person must log in.
pub const IDLE_MINUTES: i64 = 5;

/// The demo desk's person (an unpaired desk has no staff from the central store).
pub const DEMO_STAFF_ID: &str = "00000000-0000-7000-8000-00000000d3e0";
pub const DEMO_STAFF_NAME: &str = "Demo";
pub const DEMO_PIN: &str = "1234";
/// The demo desk's manager, who approves discounts above a seller's limit (issue 20).
pub const DEMO_MANAGER_ID: &str = "00000000-0000-7000-8000-00000000d3e1";
pub const DEMO_MANAGER_NAME: &str = "Demo leder";
pub const DEMO_MANAGER_PIN: &str = "4321";

/// Someone at the login screen's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StaffView {
    pub id: String,
    pub name: String,
}

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SessionView {
    pub staff_id: String,
    pub name: String,
}

/// Proof that someone acts at this desk: the logged-in person ([`Desk::acting`]), a person the command
/// line checked by name and PIN ([`Desk::act_as_staff`]), or a named service identity for scripts
/// ([`Desk::act_as_service`]). Every operation that changes data, prints or exports takes one, so no
/// shell can forget the check, and the audit log records who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    actor: Actor,
}

impl Acting {
    /// The name the audit log records.
    pub fn name(&self) -> &str {
        &self.actor.name
    }

    pub(crate) fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    view: SessionView,
    last_active: DateTime<Utc>,
}

impl Session {
    /// Used within the last `IDLE_MINUTES`.
    fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        now - self.last_active <= Duration::minutes(IDLE_MINUTES)
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct SessionSlot(std::sync::Arc<Mutex<Option<Session>>>);

impl SessionSlot {
    fn get(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An argon2id hash of `pin` (PHC string), as the central store's CLI makes them.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn pin_matches(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|parsed| Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok())
}

impl Desk {
    /// An unpaired desk gets its demo people, so the demo can be tried: a seller (PIN 1234) and a
    /// manager who approves discounts (PIN 4321).
    pub(crate) async fn ensure_demo_staff(&self) -> Result<(), DeskError> {
        if self.cache().sync_state().await?.paired.is_some() {
            return Ok(());
        }
        let there: Vec<String> = self.cache().staff().await?.into_iter().map(|s| s.id).collect();
        for (id, name, pin, role) in [
            (DEMO_STAFF_ID, DEMO_STAFF_NAME, DEMO_PIN, StaffRole::Selger),
            (
                DEMO_MANAGER_ID,
                DEMO_MANAGER_NAME,
                DEMO_MANAGER_PIN,
                StaffRole::Leder,
            ),
        ] {
            if there.iter().any(|t| t == id) {
                continue;
            }
            let hash =
                hash_pin(pin).map_err(|e| DeskError::Login(format!("PIN-en kunne ikke lagres: {e}")))?;
            self.cache().ensure_demo_staff(id, name, &hash, role).await?;
        }
        Ok(())
    }

    pub async fn staff_list(&self) -> Result<Vec<StaffView>, DeskError> {
        Ok(self
            .cache()
            .staff()
            .await?
            .into_iter()
            .map(|s| StaffView {
                id: s.id,
                name: s.name,
            })
            .collect())
    }

    /// Logs `staff_id` in with `pin`; refused while locked out, and counted when wrong.
    pub async fn login(
        &self,
        staff_id: &str,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionView, DeskError> {
        let member = self.check_pin(staff_id, pin, now).await?;
        let view = SessionView {
            staff_id: member.id.clone(),
            name: member.name.clone(),
        };
        *self.session.get() = Some(Session {
            view: view.clone(),
            last_active: now,
        });
        self.cache().set_actor(Actor {
            staff_id: Some(member.id),
            name: member.name,
        });
        self.cache().record_audit("innlogget", &view.name, now).await?;
        Ok(view)
    }

    /// The staff member when `pin` is theirs; refused while locked out, and counted when wrong.
    pub(crate) async fn check_pin(
        &self,
        staff_id: &str,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<skranke_cache::StaffMember, DeskError> {
        let member = self
            .cache()
            .staff()
            .await?
            .into_iter()
            .find(|s| s.id == staff_id)
            .ok_or_else(|| DeskError::Login("Velg navnet ditt i listen.".into()))?;
        let lockout = self.cache().lockout(staff_id).await?;
        if let Some(until) = lockout.locked_until.filter(|u| *u > now) {
            return Err(DeskError::LockedOut(
                crate::oslo_time(until).format("%H:%M").to_string(),
            ));
        }
        let (pin_owned, hash) = (pin.to_string(), member.pin_hash.clone());
        // argon2 takes tens of milliseconds on purpose: off the async threads.
        let ok = tokio::task::spawn_blocking(move || pin_matches(&pin_owned, &hash))
            .await
            .unwrap_or(false);
        if !ok {
            let after = self
                .cache()
                .record_wrong_pin(staff_id, MAX_WRONG_PINS, Duration::minutes(LOCKOUT_MINUTES), now)
                .await?;
            if let Some(until) = after.locked_until {
                return Err(DeskError::LockedOut(
                    crate::oslo_time(until).format("%H:%M").to_string(),
                ));
            }
            return Err(DeskError::WrongPin(MAX_WRONG_PINS - after.failures));
        }
        self.cache().clear_wrong_pins(staff_id).await?;
        Ok(member)
    }

    pub async fn logout(&self, now: DateTime<Utc>) -> Result<(), DeskError> {
        let was = self.session.get().take();
        if let Some(s) = was {
            self.cache().record_audit("logget ut", &s.view.name, now).await?;
        }
        self.cache().set_actor(Actor {
            staff_id: None,
            name: "ingen innlogget".into(),
        });
        Ok(())
    }

    /// The person logged in, if the desk is not locked; every action of the window goes through this
    /// and counts as activity. After `IDLE_MINUTES` without any, the desk locks.
    pub fn active_session(&self, now: DateTime<Utc>) -> Result<SessionView, DeskError> {
        let mut slot = self.session.get();
        let Some(session) = slot.as_mut() else {
            return Err(DeskError::NotLoggedIn);
        };
        if !session.is_fresh(now) {
            *slot = None;
            return Err(DeskError::NotLoggedIn);
        }
        session.last_active = now;
        Ok(session.view.clone())
    }

    /// The logged-in person as the one acting (the window's commands); counts as activity.
    pub fn acting(&self, now: DateTime<Utc>) -> Result<Acting, DeskError> {
        let view = self.active_session(now)?;
        Ok(Acting {
            actor: Actor {
                staff_id: Some(view.staff_id),
                name: view.name,
            },
        })
    }

    /// A person at the command line, by the name in the staff list (case does not matter) and their
    /// PIN, with the same lockout as the window. One command is not a session: no login is recorded,
    /// only what the command does, under this name.
    pub async fn act_as_staff(&self, name: &str, pin: &str, now: DateTime<Utc>) -> Result<Acting, DeskError> {
        let wanted = name.trim().to_lowercase();
        let member = self
            .cache()
            .staff()
            .await?
            .into_iter()
            .find(|s| s.name.to_lowercase() == wanted)
            .ok_or_else(|| {
                DeskError::Login(format!(
                    "«{}» står ikke i listen over ansatte på denne skranken.",
                    name.trim()
                ))
            })?;
        let member = self.check_pin(&member.id, pin, now).await?;
        let actor = Actor {
            staff_id: Some(member.id),
            name: member.name,
        };
        self.cache().set_actor(actor.clone());
        Ok(Acting { actor })
    }

    /// A script's identity, recorded in the audit log as `tjeneste NAME`: for jobs that run without a
    /// person (nightly imports, exports). Anyone who can run the command line on this machine can use
    /// it, as they can read the data folder; the log still says which job acted.
    pub fn act_as_service(&self, name: &str) -> Result<Acting, DeskError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            return Err(DeskError::Login(
                "Tjenestenavnet må være 1–60 vanlige tegn.".into(),
            ));
        }
        let actor = Actor {
            staff_id: None,
            name: format!("tjeneste {name}"),
        };
        self.cache().set_actor(actor.clone());
        Ok(Acting { actor })
    }

    /// Records what follows for `who`.
    pub(crate) fn as_actor(&self, who: &Acting) {
        self.cache().set_actor(who.actor());
    }

    /// Who is logged in, without counting as activity (the window asks this to know when to lock).
    pub fn session(&self, now: DateTime<Utc>) -> Option<SessionView> {
        let slot = self.session.get();
        slot.as_ref().filter(|s| s.is_fresh(now)).map(|s| s.view.clone())
    }
}
