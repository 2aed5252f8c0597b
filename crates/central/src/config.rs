//! Where the central store listens and what it connects to: a TOML file, then the environment on top.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings; see README "Central store" for the file and the variables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database_url: Option<String>,
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    #[serde(default = "default_connections")]
    pub max_connections: u32,
    /// The admin token's SHA-256 (hex), so the file holds no secret; or set SKRANKE_ADMIN_TOKEN.
    pub admin_token_sha256: Option<String>,
    /// How long a pairing code is valid, in minutes.
    #[serde(default = "default_pairing_minutes")]
    pub pairing_code_minutes: i64,
    pub tls: Option<TlsConfig>,
    /// Vipps ePayment (P5); without it Vipps requests wait and say so.
    pub vipps: Option<skranke_payments::VippsConfig>,
    /// Klarna Payments + Hosted Payment Page (P5).
    pub klarna: Option<skranke_payments::KlarnaConfig>,
    /// The SMTP server for the customer's e-mails (R3).
    pub mail: Option<crate::mail::MailConfig>,
    /// Requests per paired desk: a sustained rate and a burst (defaults 20/s, 100).
    pub rate_limit: Option<RateLimitConfig>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub device_per_second: u32,
    pub device_burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

const fn default_connections() -> u32 {
    20
}

const fn default_pairing_minutes() -> i64 {
    60
}

impl Default for Config {
    fn default() -> Config {
        Config {
            database_url: None,
            listen: default_listen(),
            max_connections: default_connections(),
            admin_token_sha256: None,
            pairing_code_minutes: default_pairing_minutes(),
            tls: None,
            vipps: None,
            klarna: None,
            mail: None,
            rate_limit: None,
        }
    }
}

impl Config {
    /// Reads `path` (when given, or `skranke-central.toml` when it exists), then applies DATABASE_URL,
    /// SKRANKE_LISTEN, SKRANKE_ADMIN_TOKEN, SKRANKE_TLS_CERT and SKRANKE_TLS_KEY.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let default_path = Path::new("skranke-central.toml");
        let file = match path {
            Some(p) => Some(p),
            None if default_path.exists() => Some(default_path),
            None => None,
        };
        let mut config = match file {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("kan ikke lese {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let Some(url) = env("DATABASE_URL") {
            config.database_url = Some(url);
        }
        if let Some(listen) = env("SKRANKE_LISTEN") {
            config.listen = listen
                .parse()
                .map_err(|e| format!("SKRANKE_LISTEN={listen}: {e}"))?;
        }
        if let Some(token) = env("SKRANKE_ADMIN_TOKEN") {
            config.admin_token_sha256 = Some(crate::sha256_hex(&token));
        }
        if let (Some(certificate), Some(private_key)) = (env("SKRANKE_TLS_CERT"), env("SKRANKE_TLS_KEY")) {
            config.tls = Some(TlsConfig {
                certificate: certificate.into(),
                private_key: private_key.into(),
            });
        }
        Ok(config)
    }

    /// The clients for the configured providers and mail server.
    pub fn integrations(&self) -> Result<crate::integrations::Integrations, String> {
        let http = reqwest_client()?;
        Ok(crate::integrations::Integrations {
            vipps: self
                .vipps
                .clone()
                .map(|c| skranke_payments::VippsClient::new(c, http.clone())),
            klarna_webhook_secret: self
                .klarna
                .as_ref()
                .and_then(|k| k.status_update_url.rsplit('/').next().map(str::to_string)),
            klarna: self
                .klarna
                .clone()
                .map(|c| skranke_payments::KlarnaClient::new(c, http)),
            mailer: self.mail.as_ref().map(crate::mail::Mailer::new).transpose()?,
            policy: skranke_core::ShopPolicy::default(),
        })
    }

    pub fn database_url(&self) -> Result<&str, String> {
        self.database_url.as_deref().ok_or_else(|| {
            "ingen database: sett DATABASE_URL eller database_url i konfigurasjonen".to_string()
        })
    }
}

/// One HTTP client for the providers: short timeouts, so a hung provider delays only its own job.
fn reqwest_client() -> Result<skranke_payments::HttpClient, String> {
    skranke_payments::http_client().map_err(|e| format!("HTTP-klienten: {e}"))
}
