//! Katalog (leder only): upload a feed file, see what importing it would change (the import run in
//! a transaction that is rolled back), then apply it or throw it away; the history of imports.

use std::io::Write;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use sqlx::types::Json;

use super::desks::audit;
use super::layout::{oslo_time, page, refused};
use super::session::{self, Session};
use crate::feed_import::{Completeness, ImportReport};
use crate::{ApiError, AppState};

/// The largest feed the page takes (a 100k-product Merchant feed is some tens of MB).
pub const MAX_FEED_BYTES: usize = 200 * 1024 * 1024;

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: i64,
    file_name: String,
    partial: bool,
    uploaded_by: String,
    uploaded_at: DateTime<Utc>,
    preview: Option<Json<ImportReport>>,
    error: Option<String>,
    applied_by: Option<String>,
    applied_at: Option<DateTime<Utc>>,
    result: Option<Json<ImportReport>>,
    discarded_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, file_name, partial, uploaded_by, uploaded_at, preview, error, applied_by, applied_at, result, discarded_at";

fn internal(e: impl Into<ApiError>) -> Response {
    e.into().into_response()
}

fn state_text(r: &ImportRow) -> String {
    if let (Some(at), Some(by)) = (r.applied_at, &r.applied_by) {
        format!("brukt {} av {by}", oslo_time(at))
    } else if let Some(at) = r.discarded_at {
        format!("forkastet {}", oslo_time(at))
    } else if r.error.is_some() {
        "kunne ikke leses".into()
    } else {
        "venter på å bli brukt".into()
    }
}

pub async fn catalog(State(state): State<AppState>, session: Session) -> Result<Response, Response> {
    session.require_leder()?;
    render_list(&state, &session, None).await
}

async fn render_list(
    state: &AppState,
    session: &Session,
    refused: Option<String>,
) -> Result<Response, Response> {
    let rows: Vec<ImportRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM feed_imports ORDER BY id DESC LIMIT 30"
    ))
    .fetch_all(&state.pool)
    .await
    .map_err(internal)?;
    let products: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE NOT deleted")
        .fetch_one(&state.pool)
        .await
        .map_err(internal)?;
    let body = html! {
        @if let Some(message) = &refused { p.bad role="alert" data-testid="catalog-error" { (message) } }
        p { "Sortimentet har " (products) " varer." }
        form.add method="post" action="/kontor/katalog" enctype="multipart/form-data" {
            h2 { "Last opp en feed" }
            p { "Google Merchant-feed (TSV eller XML), lokal lagerfil, eller skrankens CSV/JSON-linjer. Du ser hva som blir endret før noe endres." }
            input type="hidden" name="csrf" value=(session.csrf_token);
            label for="feed-file" { "Fil" }
            input #feed-file type="file" name="fil" required data-testid="feed-file";
            fieldset {
                legend { "Filen er" }
                label.check { input type="radio" name="omfang" value="hele" checked; " hele sortimentet (varer som mangler, slettes)" }
                label.check { input type="radio" name="omfang" value="delvis"; " bare noen varer (resten står)" }
            }
            button.primary type="submit" data-testid="upload-feed" { "Se hva som endres" }
        }
        section aria-labelledby="h-history" {
            h2 #h-history { "Tidligere opplastinger" }
            @if rows.is_empty() { p { "Ingen ennå." } } @else {
                div.scroll tabindex="0" role="region" aria-label="Tabell (kan rulles sidelengs)" {
                    table data-testid="feed-history" {
                        thead { tr { th scope="col" { "Lastet opp" } th scope="col" { "Fil" } th scope="col" { "Av" } th.num scope="col" { "Nye" } th.num scope="col" { "Endret" } th.num scope="col" { "Slettet" } th scope="col" { "Status" } } }
                        tbody {
                            @for r in &rows {
                                @let shown = r.result.as_ref().or(r.preview.as_ref());
                                tr {
                                    td.when { a href=(format!("/kontor/katalog/{}", r.id)) { (oslo_time(r.uploaded_at)) } }
                                    td { (r.file_name) @if r.partial { " (delvis)" } }
                                    td { (r.uploaded_by) }
                                    td.num { (shown.map_or(0, |s| s.inserted)) }
                                    td.num { (shown.map_or(0, |s| s.updated)) }
                                    td.num { (shown.map_or(0, |s| s.deleted)) }
                                    td { (state_text(r)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page("Katalog", Some(session), body)).into_response())
}

/// The file name's extension, which tells the importer the format; nothing else of the name is
/// used on disk.
fn extension(file_name: &str) -> String {
    std::path::Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| "txt".into())
}

/// `content` in a temporary file named with `file_name`'s extension, removed when dropped.
fn staged(file_name: &str, content: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("skranke-feed-")
        .suffix(&format!(".{}", extension(file_name)))
        .tempfile()?;
    file.write_all(content)?;
    file.flush()?;
    Ok(file)
}

fn not_stored(e: std::io::Error) -> Response {
    refused(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("Kan ikke lagre filen midlertidig: {e}"),
    )
}

/// The upload: read the form, preview the import, keep the file for applying.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    mut form: Multipart,
) -> Result<Response, Response> {
    session.require_leder()?;
    let mut csrf = String::new();
    let mut partial = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(|e| {
        refused(
            StatusCode::BAD_REQUEST,
            &format!("Skjemaet kunne ikke leses: {e}"),
        )
    })? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "omfang" => partial = field.text().await.unwrap_or_default() == "delvis",
            "fil" => {
                let file_name = field.file_name().unwrap_or("feed").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    refused(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &format!("Filen kunne ikke tas imot: {e}"),
                    )
                })?;
                file = Some((file_name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    // The token is checked before the file is looked at.
    session.check_csrf(&csrf)?;
    let Some((file_name, content)) = file.filter(|(_, c)| !c.is_empty()) else {
        return render_list(&state, &session, Some("Velg en fil å laste opp.".into())).await;
    };
    let completeness = if partial {
        Completeness::Partial
    } else {
        Completeness::Complete
    };
    let now = Utc::now();
    let temp = staged(&file_name, &content).map_err(not_stored)?;
    let preview = crate::feed_import::preview_file(&state.pool, temp.path(), completeness, now).await;
    let (preview, error) = match preview {
        Ok(report) => (Some(Json(report)), None),
        Err(crate::feed_import::ImportError::Database(e)) => return Err(internal(e)),
        Err(e) => (None, Some(e.to_string())),
    };
    let kept = error.is_none().then_some(content);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feed_imports (file_name, content, partial, uploaded_by, uploaded_at, preview, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(file_name.chars().take(200).collect::<String>())
    .bind(kept)
    .bind(partial)
    .bind(session::actor(&session.user))
    .bind(now)
    .bind(preview)
    .bind(error)
    .fetch_one(&state.pool)
    .await
    .map_err(internal)?;
    Ok(Redirect::to(&format!("/kontor/katalog/{id}")).into_response())
}

async fn import_row(state: &AppState, id: i64) -> Result<ImportRow, Response> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM feed_imports WHERE id = $1"))
        .bind(id)
        .fetch_optional(&state.pool)
        .await
        .map_err(internal)?
        .ok_or_else(|| refused(StatusCode::NOT_FOUND, "Fant ingen slik opplasting."))
}

fn report_table(report: &ImportReport, testid: &str) -> Markup {
    html! {
        table.report data-testid=(testid) {
            tbody {
                tr { th scope="row" { "Lest" } td.num { (report.products_read) } td {} }
                tr { th scope="row" { "Nye varer" } td.num data-testid="feed-inserted" { (report.inserted) } td { (report.examples.inserted.join(", ")) } }
                tr { th scope="row" { "Endrede varer" } td.num data-testid="feed-updated" { (report.updated) } td { (report.examples.updated.join(", ")) } }
                tr { th scope="row" { "Slettes" } td.num data-testid="feed-deleted" { (report.deleted) } td { (report.examples.deleted.join(", ")) } }
                tr { th scope="row" { "Uendret" } td.num { (report.unchanged) } td {} }
                tr { th scope="row" { "Tilgjengelighet endret" } td.num { (report.availability_changed) } td {} }
            }
        }
    }
}

pub async fn upload_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    session.require_leder()?;
    let r = import_row(&state, id).await?;
    let open = r.applied_at.is_none() && r.discarded_at.is_none() && r.error.is_none();
    let body = html! {
        p { a href="/kontor/katalog" { "← Katalog" } }
        p { (r.file_name) @if r.partial { " (bare noen varer)" } @else { " (hele sortimentet)" } ", lastet opp " (oslo_time(r.uploaded_at)) " av " (r.uploaded_by) ". Status: " strong data-testid="feed-state" { (state_text(&r)) } }
        @if let Some(e) = &r.error { p.bad role="alert" data-testid="feed-error" { "Filen kunne ikke leses: " (e) } }
        @if let Some(result) = &r.result {
            h2 { "Dette ble endret" }
            (report_table(&result.0, "feed-result"))
        } @else if let Some(preview) = &r.preview {
            h2 { "Dette blir endret" }
            (report_table(&preview.0, "feed-preview"))
        }
        @if open {
            div.buttons {
                form method="post" action=(format!("/kontor/katalog/{}/bruk", r.id)) {
                    input type="hidden" name="csrf" value=(session.csrf_token);
                    button.primary type="submit" data-testid="apply-feed" { "Bruk endringene" }
                }
                form method="post" action=(format!("/kontor/katalog/{}/forkast", r.id)) {
                    input type="hidden" name="csrf" value=(session.csrf_token);
                    button type="submit" data-testid="discard-feed" { "Forkast" }
                }
            }
        }
    };
    Ok(page("Katalogopplasting", Some(&session), body).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn apply(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    // Taken once: two clicks (or two people) apply it once.
    let taken: Option<(String, Vec<u8>, bool)> = sqlx::query_as(
        "UPDATE feed_imports f SET content = NULL
         FROM (SELECT id, content FROM feed_imports WHERE id = $1 FOR UPDATE) old
         WHERE f.id = old.id AND old.content IS NOT NULL AND f.applied_at IS NULL AND f.discarded_at IS NULL
         RETURNING f.file_name, old.content, f.partial",
    )
    .bind(id)
    .fetch_optional(&state.pool)
    .await
    .map_err(internal)?;
    let Some((file_name, content, partial)) = taken else {
        return Ok(Redirect::to(&format!("/kontor/katalog/{id}")).into_response());
    };
    let completeness = if partial {
        Completeness::Partial
    } else {
        Completeness::Complete
    };
    let now = Utc::now();
    let temp = staged(&file_name, &content).map_err(not_stored)?;
    let result = crate::feed_import::import_file(&state.pool, temp.path(), completeness, now).await;
    let (result, error) = match result {
        Ok(report) => (Some(Json(report)), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let applied = result.is_some();
    sqlx::query(
        "UPDATE feed_imports SET applied_by = CASE WHEN $2 THEN $3 END, applied_at = CASE WHEN $2 THEN $4 END,
                result = $5, error = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(applied)
    .bind(session::actor(&session.user))
    .bind(now)
    .bind(&result)
    .bind(error)
    .execute(&state.pool)
    .await
    .map_err(internal)?;
    if let Some(Json(r)) = &result {
        audit(
            &state,
            &session,
            "katalog importert",
            &format!(
                "{file_name}: {} nye, {} endret, {} slettet",
                r.inserted, r.updated, r.deleted
            ),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/kontor/katalog/{id}")).into_response())
}

pub async fn discard(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    sqlx::query(
        "UPDATE feed_imports SET content = NULL, discarded_at = $2
         WHERE id = $1 AND applied_at IS NULL AND discarded_at IS NULL",
    )
    .bind(id)
    .bind(Utc::now())
    .execute(&state.pool)
    .await
    .map_err(internal)?;
    Ok(Redirect::to("/kontor/katalog").into_response())
}
