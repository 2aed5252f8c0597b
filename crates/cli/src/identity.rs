//! Who runs a command: a staff member with their PIN, or a named service for scripts.

use chrono::Utc;
use skranke_desk::{Desk, DeskError};

/// Who runs the command, as given on the command line.
pub(crate) struct Identity {
    pub(crate) staff: Option<String>,
    pub(crate) service: Option<String>,
}

impl Identity {
    /// The person or service acting; a person's PIN is read from `SKRANKE_PIN` or asked for on the
    /// terminal without echo.
    pub(crate) async fn acting(
        &self,
        desk: &Desk,
        now: chrono::DateTime<Utc>,
    ) -> Result<skranke_desk::Acting, DeskError> {
        if let Some(service) = &self.service {
            return desk.act_as_service(service);
        }
        let Some(name) = &self.staff else {
            return Err(DeskError::Login(
                "Oppgi hvem du er: --staff NAVN (PIN spørres om), eller --service NAVN for skript.".into(),
            ));
        };
        let pin = match std::env::var("SKRANKE_PIN") {
            Ok(pin) => pin,
            Err(_) => {
                rpassword::prompt_password(format!("PIN for {name}: ")).map_err(|source| DeskError::Io {
                    context: "kan ikke lese PIN-en fra terminalen (bruk SKRANKE_PIN i skript)".into(),
                    source,
                })?
            }
        };
        desk.act_as_staff(name, pin.trim(), now).await
    }
}
