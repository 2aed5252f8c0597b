//! What this desk remembers about its own machine: the printer staff chose. Kept in the cache so it
//! travels with a backup, and not synced, since another desk has other printers.

use crate::{Cache, CacheError};

const PRINTER: &str = "printer";

impl Cache {
    /// The printer staff chose for this desk; `None` means the system's default printer.
    pub async fn chosen_printer(&self) -> Result<Option<String>, CacheError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM desk_settings WHERE name = ?")
                .bind(PRINTER)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Remembers `printer` for this desk; `None` goes back to the system's default printer.
    pub async fn choose_printer(&self, printer: Option<&str>) -> Result<(), CacheError> {
        match printer {
            Some(name) => {
                sqlx::query(
                    "INSERT INTO desk_settings (name, value) VALUES (?, ?)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(PRINTER)
                .bind(name)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM desk_settings WHERE name = ?")
                    .bind(PRINTER)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Cache, FieldKey};

    #[tokio::test]
    async fn the_chosen_printer_is_remembered_across_a_restart_and_can_be_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.sqlite");
        let key = FieldKey::generate();
        let cache = Cache::open(&file, key.clone()).await.unwrap();
        assert_eq!(cache.chosen_printer().await.unwrap(), None);
        cache.choose_printer(Some("Kontor")).await.unwrap();
        cache.choose_printer(Some("Lager 2")).await.unwrap();
        cache.close().await;
        let cache = Cache::open(&file, key).await.unwrap();
        assert_eq!(cache.chosen_printer().await.unwrap().as_deref(), Some("Lager 2"));
        cache.choose_printer(None).await.unwrap();
        assert_eq!(cache.chosen_printer().await.unwrap(), None);
    }
}
