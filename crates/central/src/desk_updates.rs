//! The desk's updates (issue 17 item 2): signed packages the operator adds, the manifest and the
//! package a paired desk downloads, and the version a store is held at.
//!
//! The central store does not check signatures (it holds no key); the desk does, against the key it
//! was built with, so a package changed here or on the way is refused at the desk.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use skranke_protocol::{DeskUpdateManifest, ErrorBody};
use sqlx::PgPool;

use crate::extract::Device;
use crate::{ApiError, AppState};

/// A package with its signature, ready to be added.
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub version: String,
    pub target: String,
    pub arch: String,
    pub bundle_type: String,
    pub file_name: String,
    pub package: Vec<u8>,
    pub signature: String,
    pub notes: Option<String>,
}

impl NewRelease {
    /// `FILE` and the `FILE.sig` beside it, as `tauri bundle` writes them. The version is the one
    /// signed into the signature (or `version` when the signature carries none); the platform comes
    /// from the file name (`Skranke_0.1.1_amd64.deb`).
    pub fn from_file(path: &std::path::Path, version: Option<&str>) -> Result<NewRelease, String> {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{} er ikke et filnavn", path.display()))?
            .to_string();
        let package = std::fs::read(path).map_err(|e| format!("kan ikke lese {}: {e}", path.display()))?;
        let sig_path = path.with_file_name(format!("{file_name}.sig"));
        let signature = std::fs::read_to_string(&sig_path)
            .map_err(|e| format!("kan ikke lese signaturen {}: {e}", sig_path.display()))?
            .trim()
            .to_string();
        let signed = signed_version(&signature)
            .ok_or_else(|| format!("{} er ikke en signatur fra `tauri signer`", sig_path.display()))?;
        let version = match (signed, version) {
            (Some(signed), Some(given)) if signed != given => {
                return Err(format!("pakken er signert som versjon {signed}, ikke {given}"));
            }
            (Some(signed), _) => signed,
            (None, Some(given)) => given.to_string(),
            (None, None) => {
                return Err("signaturen sier ikke hvilken versjon pakken er: oppgi --version".into());
            }
        };
        semver::Version::parse(&version).map_err(|e| format!("versjonen «{version}»: {e}"))?;
        let (target, bundle_type) = platform_of(&file_name).ok_or_else(|| {
            format!("{file_name}: kjenner ikke pakketypen (.deb, .rpm, .AppImage, .msi, -setup.exe)")
        })?;
        let arch =
            arch_of(&file_name).ok_or_else(|| format!("{file_name}: filnavnet sier ikke arkitekturen"))?;
        Ok(NewRelease {
            version,
            target: target.into(),
            arch: arch.into(),
            bundle_type: bundle_type.into(),
            file_name,
            package,
            signature,
            notes: None,
        })
    }
}

/// The version in a `.sig` file's trusted comment (`version:0.1.1`): `None` when the text is not a
/// minisign signature, `Some(None)` when it is one without a version.
fn signed_version(sig_base64: &str) -> Option<Option<String>> {
    let text = base64::engine::general_purpose::STANDARD
        .decode(sig_base64)
        .ok()?;
    let text = String::from_utf8(text).ok()?;
    let trusted = text.lines().find_map(|l| l.strip_prefix("trusted comment: "))?;
    Some(
        trusted
            .split('\t')
            .find_map(|field| field.strip_prefix("version:"))
            .map(|v| v.trim().to_string()),
    )
}

/// The updater's target and bundle type of a package file.
fn platform_of(file_name: &str) -> Option<(&'static str, &'static str)> {
    let lower = file_name.to_ascii_lowercase();
    [
        (".deb", ("linux", "deb")),
        (".rpm", ("linux", "rpm")),
        (".appimage", ("linux", "appimage")),
        (".msi", ("windows", "msi")),
        ("-setup.exe", ("windows", "nsis")),
    ]
    .into_iter()
    .find_map(|(ending, platform)| lower.ends_with(ending).then_some(platform))
}

/// The updater's arch of a package file (Debian says amd64, RPM x86_64, Windows x64).
fn arch_of(file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    // Checked whole first: `x86_64` holds the `_` the names are split on.
    for (name, arch) in [("x86_64", "x86_64"), ("aarch64", "aarch64")] {
        if lower.contains(name) {
            return Some(arch);
        }
    }
    let parts: Vec<&str> = lower.split(['_', '.', '-']).collect();
    [("amd64", "x86_64"), ("x64", "x86_64"), ("arm64", "aarch64")]
        .into_iter()
        .find_map(|(name, arch)| parts.contains(&name).then_some(arch))
}

/// Stores a release; the same version for the same platform is refused (a version is published once).
pub async fn add_release(pool: &PgPool, release: &NewRelease, now: DateTime<Utc>) -> Result<i64, ApiError> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO desk_releases
             (version, target, arch, bundle_type, file_name, package, signature, notes, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (version, target, arch, bundle_type) DO NOTHING
         RETURNING id",
    )
    .bind(&release.version)
    .bind(&release.target)
    .bind(&release.arch)
    .bind(&release.bundle_type)
    .bind(&release.file_name)
    .bind(&release.package)
    .bind(&release.signature)
    .bind(&release.notes)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    id.ok_or_else(|| {
        ApiError::invalid_value(format!(
            "versjon {} for {}-{} ({}) er lagt inn før; en versjon publiseres bare én gang",
            release.version, release.target, release.arch, release.bundle_type
        ))
    })
}

/// Holds `store`'s desks at `version` (an older one rolls them back), or lets them follow the newest
/// release again (`None`).
pub async fn pin_store(
    pool: &PgPool,
    store: &str,
    version: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let store = store.trim().to_uppercase();
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM stores WHERE id = $1)")
        .bind(&store)
        .fetch_one(pool)
        .await?;
    if !known {
        return Err(ApiError::not_found(format!("Fant ingen butikk {store}.")));
    }
    let Some(version) = version else {
        sqlx::query("DELETE FROM store_release_pins WHERE store_id = $1")
            .bind(&store)
            .execute(pool)
            .await?;
        return Ok(());
    };
    let published: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM desk_releases WHERE version = $1 AND withdrawn_at IS NULL)",
    )
    .bind(version)
    .fetch_one(pool)
    .await?;
    if !published {
        return Err(ApiError::not_found(format!(
            "Versjon {version} er ikke publisert."
        )));
    }
    sqlx::query(
        "INSERT INTO store_release_pins (store_id, version, pinned_at) VALUES ($1, $2, $3)
         ON CONFLICT (store_id) DO UPDATE SET version = EXCLUDED.version, pinned_at = EXCLUDED.pinned_at",
    )
    .bind(&store)
    .bind(version)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes a release back: no desk is offered it from now on, and desks that run it are offered the
/// newest release still out (a rollback for every store not pinned).
pub async fn withdraw_release(pool: &PgPool, version: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let done =
        sqlx::query("UPDATE desk_releases SET withdrawn_at = coalesce(withdrawn_at, $2) WHERE version = $1")
            .bind(version)
            .bind(now)
            .execute(pool)
            .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(format!(
            "Versjon {version} er ikke publisert."
        )));
    }
    Ok(())
}

/// One published package, for `release list`.
#[derive(Debug, Clone)]
pub struct ReleaseRow {
    pub version: String,
    pub platform: String,
    pub file_name: String,
    pub bytes: i64,
    pub withdrawn: bool,
    pub pinned_stores: Vec<String>,
}

pub async fn list_releases(pool: &PgPool) -> Result<Vec<ReleaseRow>, ApiError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        version: String,
        platform: String,
        file_name: String,
        bytes: i64,
        withdrawn: bool,
        pinned_stores: Vec<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT r.version, r.target || '-' || r.arch || '-' || r.bundle_type AS platform, r.file_name,
                octet_length(r.package)::bigint AS bytes, r.withdrawn_at IS NOT NULL AS withdrawn,
                coalesce((SELECT array_agg(p.store_id ORDER BY p.store_id) FROM store_release_pins p
                          WHERE p.version = r.version), '{}') AS pinned_stores
         FROM desk_releases r ORDER BY r.added_at, r.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReleaseRow {
            version: r.version,
            platform: r.platform,
            file_name: r.file_name,
            bytes: r.bytes,
            withdrawn: r.withdrawn,
            pinned_stores: r.pinned_stores,
        })
        .collect())
}

/// The scheme desks reach this server by, for the absolute package address in a manifest. The
/// server adds it when it serves HTTPS itself; absent, plain HTTP (or `X-Forwarded-Proto` from a proxy).
#[derive(Debug, Clone, Copy)]
pub struct PublicScheme(pub &'static str);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpdateQuery {
    /// The desk's package type: deb, rpm, appimage, msi or nsis.
    bundle_type: String,
}

/// A release a desk may be sent to.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Candidate {
    id: i64,
    version: String,
    signature: String,
    notes: Option<String>,
    added_at: DateTime<Utc>,
    withdrawn: bool,
}

/// What a desk on `current` should move to: the store's pinned version, else the newest release
/// when it is newer (or when the desk runs a withdrawn one). `None`: stay.
async fn wanted_release(
    pool: &PgPool,
    store: &str,
    platform: (&str, &str, &str),
    current: &semver::Version,
) -> Result<Option<Candidate>, ApiError> {
    let (target, arch, bundle_type) = platform;
    let releases: Vec<Candidate> = sqlx::query_as(
        "SELECT id, version, signature, notes, added_at, withdrawn_at IS NOT NULL AS withdrawn
         FROM desk_releases WHERE target = $1 AND arch = $2 AND bundle_type = $3",
    )
    .bind(target)
    .bind(arch)
    .bind(bundle_type)
    .fetch_all(pool)
    .await?;
    let pin: Option<String> =
        sqlx::query_scalar("SELECT version FROM store_release_pins WHERE store_id = $1")
            .bind(store)
            .fetch_optional(pool)
            .await?;
    let parsed = |v: &str| semver::Version::parse(v).ok();
    let mut out = releases.iter().filter(|r| !r.withdrawn);
    let chosen = match pin {
        Some(pin) => out.find(|r| r.version == pin),
        None => {
            let newest = out
                .filter_map(|r| parsed(&r.version).map(|v| (v, r)))
                .max_by(|a, b| a.0.cmp(&b.0));
            let current_withdrawn = releases
                .iter()
                .any(|r| r.withdrawn && parsed(&r.version).as_ref() == Some(current));
            newest
                .filter(|(v, _)| v > current || current_withdrawn)
                .map(|(_, r)| r)
        }
    };
    Ok(chosen
        .filter(|r| parsed(&r.version).as_ref() != Some(current))
        .cloned())
}

/// The update for a desk on `current_version` (the updater's endpoint, with its placeholders filled).
#[utoipa::path(get, path = "/v1/desk-updates/{target}/{arch}/{current_version}", tag = "updates",
    params(
        ("target" = String, Path, description = "linux, windows or darwin"),
        ("arch" = String, Path, description = "x86_64, aarch64, ..."),
        ("current_version" = String, Path, description = "The desk's version, e.g. 0.1.0"),
        UpdateQuery
    ),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "A package to move to", body = DeskUpdateManifest),
        (status = 204, description = "Nothing to do: the desk runs the version it should"),
        (status = 422, description = "Not a version, or no bundle_type", body = ErrorBody),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn manifest(
    State(state): State<AppState>,
    device: Device,
    Path((target, arch, current_version)): Path<(String, String, String)>,
    query: Result<Query<UpdateQuery>, axum::extract::rejection::QueryRejection>,
    scheme: Option<axum::Extension<PublicScheme>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::invalid_value("bundle_type mangler i spørringen."))?;
    let current = semver::Version::parse(current_version.trim_start_matches('v'))
        .map_err(|_| ApiError::invalid_value(format!("«{current_version}» er ikke et versjonsnummer.")))?;
    let wanted = wanted_release(
        &state.pool,
        &device.store_id,
        (&target, &arch, &query.bundle_type),
        &current,
    )
    .await?;
    let Some(Candidate {
        id,
        version,
        signature,
        notes,
        added_at,
        ..
    }) = wanted
    else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::invalid_value("Host mangler i forespørselen."))?;
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| matches!(*p, "http" | "https"))
        .or(scheme.map(|s| s.0 .0))
        .unwrap_or("http");
    tracing::info!(store = %device.store_id, %current, %version, "oppdatering tilbudt");
    Ok(Json(DeskUpdateManifest {
        version,
        notes,
        pub_date: added_at.to_rfc3339(),
        url: format!("{scheme}://{host}/v1/desk-updates/packages/{id}"),
        signature,
    })
    .into_response())
}

/// A published package, for the desk that was offered it.
#[utoipa::path(get, path = "/v1/desk-updates/packages/{id}", tag = "updates",
    params(("id" = i64, Path, description = "From the manifest's url")),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The package as signed", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 404, description = "No such package, or withdrawn", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn package(
    State(state): State<AppState>,
    _device: Device,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    // Not a number is no such package (axum's own refusal would not be the typed body).
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("Ingen slik pakke."))?;
    let row: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT file_name, package FROM desk_releases WHERE id = $1 AND withdrawn_at IS NULL")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    let (file_name, package) = row.ok_or_else(|| ApiError::not_found("Ingen slik pakke."))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file_name.replace('"', "")),
            ),
        ],
        Body::from(package),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_platform_comes_from_the_bundlers_file_names() {
        assert_eq!(platform_of("Skranke_0.1.1_amd64.deb"), Some(("linux", "deb")));
        assert_eq!(platform_of("Skranke-0.1.1-1.x86_64.rpm"), Some(("linux", "rpm")));
        assert_eq!(
            platform_of("Skranke_0.1.1_x64-setup.exe"),
            Some(("windows", "nsis"))
        );
        assert_eq!(
            platform_of("Skranke_0.1.1_x64_en-US.msi"),
            Some(("windows", "msi"))
        );
        assert_eq!(platform_of("skranke.tar"), None);
        assert_eq!(arch_of("Skranke_0.1.1_amd64.deb"), Some("x86_64"));
        assert_eq!(arch_of("Skranke-0.1.1-1.x86_64.rpm"), Some("x86_64"));
        assert_eq!(arch_of("Skranke_0.1.1_x64-setup.exe"), Some("x86_64"));
        assert_eq!(arch_of("Skranke_0.1.1_arm64.deb"), Some("aarch64"));
    }

    #[test]
    fn the_version_is_read_from_the_signatures_trusted_comment() {
        let sig = |trusted: &str| {
            base64::engine::general_purpose::STANDARD.encode(format!(
                "untrusted comment: signature from tauri secret key\nRUQabc\ntrusted comment: {trusted}\nglobal\n"
            ))
        };
        assert_eq!(
            signed_version(&sig(
                "timestamp:1764748800\tfile:Skranke_0.1.1_amd64.deb\tversion:0.1.1"
            )),
            Some(Some("0.1.1".into()))
        );
        assert_eq!(
            signed_version(&sig("timestamp:1764748800\tfile:Skranke_0.1.1_amd64.deb")),
            Some(None)
        );
        assert_eq!(signed_version("not base64 at all!"), None);
    }
}
