//! The customer's e-mails: the order confirmation with its PDF (a durable medium for the angrerett
//! information, R3) once the order is accepted, and a short note with the tracking number when it is
//! sent (D8). An outbox in PostgreSQL, worked like the payment jobs; SMTP through lettre.
//!
//! Exactly once as far as SMTP allows: a mail is marked sent in the transaction that holds its row
//! while the server accepts it. A crash between the server's "250" and that commit sends it again,
//! with the same Message-ID, so a mail client shows it once.

use chrono::{DateTime, Duration, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use skranke_core::ValidOrder;
use skranke_payments::PaymentState;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::integrations::Integrations;

/// The mail server, from the `[mail]` table of the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub smtp_host: String,
    #[serde(default = "default_port")]
    pub smtp_port: u16,
    /// `Butikk <butikk@terjesen.no>`
    pub from: String,
    /// STARTTLS required; off only for a mail server on the same machine.
    #[serde(default = "default_true")]
    pub starttls: bool,
    pub username: Option<String>,
    pub password: Option<String>,
}

const fn default_port() -> u16 {
    587
}

const fn default_true() -> bool {
    true
}

#[derive(Debug)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> Result<Mailer, String> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("ugyldig avsender {:?}: {e}", config.from))?;
        let mut builder = if config.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)
                .map_err(|e| format!("e-posttjeneren {}: {e}", config.smtp_host))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host)
        }
        .port(config.smtp_port)
        .timeout(Some(std::time::Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }
}

/// Queues the order confirmation for `order` in the caller's transaction, or records that the
/// customer gave no address.
pub(crate) async fn queue_confirmation(
    tx: &mut PgConnection,
    order_id: Uuid,
    order_number: &str,
    order: &ValidOrder,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    match &order.customer.email {
        Some(email) => queue(tx, order_id, order_number, "confirmation", email.as_str(), now)
            .await
            .map(drop),
        None => {
            sqlx::query("UPDATE orders SET email_state = 'none', email_to = NULL WHERE id = $1")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            Ok(())
        }
    }
}

/// Queues a mail of `kind`; a second one of the same kind is a new generation (staff resending).
/// Answers the mail's id.
pub(crate) async fn queue(
    tx: &mut PgConnection,
    order_id: Uuid,
    order_number: &str,
    kind: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let generation: i32 = sqlx::query_scalar(
        "SELECT coalesce(max(generation), 0) + 1 FROM mail_outbox WHERE order_id = $1 AND kind = $2",
    )
    .bind(order_id)
    .bind(kind)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_outbox (order_id, kind, generation, recipient, message_id, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(order_id)
    .bind(kind)
    .bind(generation)
    .bind(recipient)
    .bind(format!("<{kind}-{order_number}-{generation}@skranke.invalid>"))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // An exchange's slip is its new order's confirmation: its outcome shows on the order as one.
    if kind == "confirmation" || kind == "exchange" {
        sqlx::query("UPDATE orders SET email_state = 'pending', email_to = $2, email_detail = NULL, updated_at = $3 WHERE id = $1")
            .bind(order_id)
            .bind(recipient)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

#[derive(Debug, sqlx::FromRow)]
struct Pending {
    id: i64,
    /// The order the mail is about; none for a quote's mail.
    order_id: Option<Uuid>,
    /// The quote a "quote" mail sends.
    quote_id: Option<Uuid>,
    kind: String,
    recipient: String,
    message_id: String,
    attempts: i32,
    /// The claim a "claim" mail confirms.
    subject_id: Option<Uuid>,
}

#[derive(Debug, sqlx::FromRow)]
struct QuoteForMail {
    number: String,
    body: Json<ValidOrder>,
    made_on: chrono::NaiveDate,
    valid_through: chrono::NaiveDate,
}

/// Queues quote `quote_id` for e-mail to `recipient`: each call is one more mail (a generation).
pub(crate) async fn queue_quote(
    tx: &mut PgConnection,
    quote_id: Uuid,
    number: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (quote_id, kind, generation, recipient, message_id, next_attempt_at)
         SELECT $1, 'quote', g, $2, '<quote-' || $3 || '-' || g || '@skranke.invalid>', $4
         FROM (SELECT coalesce(max(generation), 0) + 1 AS g FROM mail_outbox WHERE quote_id = $1) n",
    )
    .bind(quote_id)
    .bind(recipient)
    .bind(number)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The quote's mail: a short text and the quote as PDF, the same document the desk printed.
fn compose_quote(
    mailer: &Mailer,
    mail: &Pending,
    quote: &QuoteForMail,
    integrations: &Integrations,
) -> Result<Message, String> {
    let name = &quote.body.0.customer.name;
    let to: Mailbox = format!("{} <{}>", name.replace(['<', '>', '"'], ""), mail.recipient)
        .parse()
        .or_else(|_| mail.recipient.parse())
        .map_err(|e| format!("ugyldig mottaker {}: {e}", mail.recipient))?;
    let pdf = skranke_pdf::quote(&skranke_pdf::QuoteDocument {
        doc: skranke_pdf::OrderDocument {
            order_number: &quote.number,
            order: &quote.body.0,
            policy: &integrations.policy,
            payment_state: None,
        },
        made_on: quote.made_on,
        valid_through: quote.valid_through,
    })
    .map_err(|e| e.to_string())?;
    let text = format!(
        "Hei {name}!\n\nHer er tilbudet vi snakket om, tilbud {} på {}. Det ligger vedlagt som PDF.\n\
         Prisene gjelder til og med {}. Vil du bestille, ring oss og oppgi tilbudsnummeret.\n\n\
         Spørsmål? Skriv til {}.\n",
        quote.number,
        quote.body.0.totals.total,
        quote.valid_through.format("%d.%m.%Y"),
        integrations.policy.seller.email,
    );
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .message_id(Some(mail.message_id.clone()))
        .subject(format!("Tilbud {}", quote.number))
        .multipart(MultiPart::mixed().singlepart(SinglePart::plain(text)).singlepart(
            Attachment::new(format!("tilbud-{}.pdf", quote.number)).body(
                pdf,
                ContentType::parse("application/pdf").map_err(|e| e.to_string())?,
            ),
        ))
        .map_err(|e| e.to_string())
}

#[derive(Debug, sqlx::FromRow)]
struct OrderForMail {
    number: String,
    body: Json<ValidOrder>,
    payment_state: Option<String>,
    tracking_number: Option<String>,
    version: i32,
    cancel_reason: Option<String>,
    updated_at: DateTime<Utc>,
    /// What the newest change changed (a "changed" mail).
    #[sqlx(default)]
    changes: Option<Json<Vec<skranke_core::order_change::ChangeItem>>>,
    #[sqlx(default)]
    changed_at: Option<DateTime<Utc>>,
}

/// Queues a mail of `kind` about `order` when the customer gave an address. A change mail still
/// waiting is superseded: the customer is told of the version that stands, once.
pub(crate) async fn queue_for_customer(
    tx: &mut PgConnection,
    order_id: Uuid,
    order_number: &str,
    order: &ValidOrder,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let Some(email) = &order.customer.email else {
        return Ok(());
    };
    if kind == "changed" || kind == "cancelled" {
        sqlx::query(
            "UPDATE mail_outbox SET state = 'superseded' WHERE order_id = $1 AND kind = 'changed' AND state = 'pending'",
        )
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    }
    queue(tx, order_id, order_number, kind, email.as_str(), now)
        .await
        .map(drop)
}

/// Queues the confirmation of claim `claim_id` for the customer, when they gave an address.
pub(crate) async fn queue_claim(
    tx: &mut PgConnection,
    order_id: Uuid,
    order_number: &str,
    order: &ValidOrder,
    claim_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let Some(email) = &order.customer.email else {
        return Ok(());
    };
    let id = queue(tx, order_id, order_number, "claim", email.as_str(), now).await?;
    sqlx::query("UPDATE mail_outbox SET subject_id = $2 WHERE id = $1")
        .bind(id)
        .bind(claim_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Sends every due mail; returns how many were tried.
pub async fn run_due_mail(
    pool: &PgPool,
    integrations: &Integrations,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let Some(mailer) = &integrations.mailer else {
        return Ok(0);
    };
    let mut tried = 0;
    loop {
        let mut tx = pool.begin().await?;
        let pending: Option<Pending> = sqlx::query_as(
            "SELECT id, order_id, quote_id, kind, recipient, message_id, attempts, subject_id FROM mail_outbox
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mail) = pending else {
            tx.commit().await?;
            return Ok(tried);
        };
        tried += 1;
        let message = match (mail.order_id, mail.quote_id) {
            (Some(order_id), _) => {
                let order: OrderForMail = sqlx::query_as(
                    "SELECT o.number, o.body, o.payment_state, o.tracking_number, o.version, o.cancel_reason, o.updated_at,
                            v.changes, v.changed_at
                     FROM orders o LEFT JOIN order_versions v ON v.order_id = o.id AND v.version = o.version
                     WHERE o.id = $1",
                )
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
                let extra = match (mail.kind.as_str(), mail.subject_id) {
                    ("exchange", _) => exchange_of(&mut tx, order_id)
                        .await?
                        .map_or(Extra::Nothing, Extra::Exchange),
                    ("claim", Some(claim_id)) => {
                        sqlx::query_as("SELECT claim_no, body FROM claims WHERE id = $1")
                            .bind(claim_id)
                            .fetch_optional(&mut *tx)
                            .await?
                            .map_or(Extra::Nothing, Extra::Claim)
                    }
                    _ => Extra::Nothing,
                };
                compose(mailer, &mail, &order, &extra, integrations)
            }
            (None, Some(quote_id)) => {
                let quote: QuoteForMail =
                    sqlx::query_as("SELECT number, body, made_on, valid_through FROM quotes WHERE id = $1")
                        .bind(quote_id)
                        .fetch_one(&mut *tx)
                        .await?;
                compose_quote(mailer, &mail, &quote, integrations)
            }
            (None, None) => Err("e-posten gjelder verken en ordre eller et tilbud".to_string()),
        };
        let sent = match message {
            // lettre's own timeout covers each command; this bounds the whole conversation, so a
            // server that stops answering cannot hold up the payment jobs in the same loop.
            Ok(message) => {
                match tokio::time::timeout(std::time::Duration::from_secs(60), mailer.transport.send(message))
                    .await
                {
                    Ok(result) => result.map(drop).map_err(|e| {
                        let permanent = e.is_permanent();
                        (e.to_string(), permanent)
                    }),
                    Err(_) => Err(("e-posttjeneren svarte ikke innen 60 sekunder".to_string(), false)),
                }
            }
            Err(e) => Err((e, true)),
        };
        match sent {
            Ok(()) => {
                sqlx::query("UPDATE mail_outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1 WHERE id = $1")
                    .bind(mail.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                show(&mut tx, &mail, "sent", None, now).await?;
            }
            Err((error, true)) => {
                // A 5xx: the address does not exist or the server will never take it. Staff see it
                // and can correct the address and send again.
                sqlx::query("UPDATE mail_outbox SET state = 'bounced', attempts = attempts + 1, last_error = $2 WHERE id = $1")
                    .bind(mail.id)
                    .bind(&error)
                    .execute(&mut *tx)
                    .await?;
                show(&mut tx, &mail, "bounced", Some(&error), now).await?;
            }
            Err((error, false)) => {
                let wait = Duration::seconds(1i64 << mail.attempts.clamp(0, 8)).min(Duration::minutes(10));
                sqlx::query(
                    "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(mail.id)
                .bind(now + wait)
                .bind(&error)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    }
}

/// The confirmation's outcome on the order row, which the desks pull.
async fn show(
    tx: &mut PgConnection,
    mail: &Pending,
    state: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if mail.kind != "confirmation" && mail.kind != "exchange" {
        return Ok(());
    }
    sqlx::query(
        "UPDATE orders SET email_state = $2, email_to = $3, email_detail = $4, updated_at = $5
         WHERE id = $1 AND email_to = $3",
    )
    .bind(mail.order_id)
    .bind(state)
    .bind(&mail.recipient)
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What a mail tells beside its order.
enum Extra {
    Nothing,
    Exchange(ExchangeForMail),
    /// The claim's number and body.
    Claim((i64, Json<skranke_core::claim::ValidClaim>)),
}

/// What an exchange mail tells beside the new order.
#[derive(Debug, sqlx::FromRow)]
struct ExchangeForMail {
    original_number: String,
    ret: Json<skranke_core::ValidReturn>,
    return_no: i64,
    terms: Json<skranke_core::exchange::ExchangeTerms>,
    created_at: DateTime<Utc>,
}

async fn exchange_of(
    tx: &mut PgConnection,
    new_order_id: Uuid,
) -> Result<Option<ExchangeForMail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.number AS original_number, r.body AS ret, r.return_no, e.terms, e.created_at
         FROM exchanges e JOIN orders o ON o.id = e.original_order_id JOIN returns r ON r.id = e.return_id
         WHERE e.new_order_id = $1",
    )
    .bind(new_order_id)
    .fetch_optional(&mut *tx)
    .await
}

fn compose(
    mailer: &Mailer,
    mail: &Pending,
    order: &OrderForMail,
    extra: &Extra,
    integrations: &Integrations,
) -> Result<Message, String> {
    let to: Mailbox = format!(
        "{} <{}>",
        order.body.0.customer.name.replace(['<', '>', '"'], ""),
        mail.recipient
    )
    .parse()
    .or_else(|_| mail.recipient.parse())
    .map_err(|e| format!("ugyldig mottaker {}: {e}", mail.recipient))?;
    let builder = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .message_id(Some(mail.message_id.clone()));
    let contact = &integrations.policy.seller.email;
    if mail.kind == "shipped" {
        let tracking = order.tracking_number.as_deref().unwrap_or("-");
        let text = format!(
            "Hei {}!\n\nOrdre {} er sendt. Sporingsnummer: {tracking}.\n\nSpørsmål? Skriv til {contact}.\n",
            order.body.0.customer.name, order.number
        );
        return builder
            .subject(format!("Ordre {} er sendt", order.number))
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| e.to_string());
    }
    let state = order.payment_state.as_deref().and_then(PaymentState::from_code);
    let document = skranke_pdf::OrderDocument {
        order_number: &order.number,
        order: &order.body.0,
        policy: &integrations.policy,
        payment_state: state.map(PaymentState::text),
    };
    let name = &order.body.0.customer.name;
    let attach = |builder: lettre::message::MessageBuilder,
                  subject: String,
                  text: String,
                  file: String,
                  pdf: Vec<u8>| {
        builder
            .subject(subject)
            .multipart(MultiPart::mixed().singlepart(SinglePart::plain(text)).singlepart(
                Attachment::new(file).body(
                    pdf,
                    ContentType::parse("application/pdf").map_err(|e| e.to_string())?,
                ),
            ))
            .map_err(|e| e.to_string())
    };
    if mail.kind == "cancelled" {
        let payment = skranke_core::order_change::cancelled_payment_text(state);
        let reason = order.cancel_reason.clone().unwrap_or_default();
        let pdf = skranke_pdf::cancellation(
            &document,
            &skranke_pdf::Cancellation {
                cancelled_on: crate::personal_data::oslo_date(order.updated_at),
                reason: &reason,
                payment,
            },
        )
        .map_err(|e| e.to_string())?;
        let text = format!(
            "Hei {name}!\n\nOrdre {} er kansellert, og ingen varer blir sendt. {payment}\n\
             Bekreftelsen ligger vedlagt som PDF.\n\nSpørsmål? Skriv til {contact}.\n",
            order.number
        );
        return attach(
            builder,
            format!("Ordre {} er kansellert", order.number),
            text,
            format!("kansellering-{}.pdf", order.number),
            pdf,
        );
    }
    if let Extra::Claim((claim_no, claim)) = extra {
        // This store's verdict on time (D10 under its own policy), as the back office shows it.
        let mut claim = claim.0.clone();
        claim.timing = skranke_core::claim::judge_claim(
            &skranke_core::claim::ClaimFacts {
                kind: claim.kind,
                received: claim.received,
                discovered: claim.discovered,
                reported: claim.reported,
                meant_to_last_longer: claim.meant_to_last_longer,
            },
            integrations.policy.pickup.transport_damage_report_hours,
        );
        let pdf = skranke_pdf::claim_confirmation(&skranke_pdf::ClaimDocument {
            order: document,
            claim: &claim,
            claim_no: *claim_no,
        })
        .map_err(|e| e.to_string())?;
        let what = match claim.kind {
            skranke_core::claim::ClaimKind::Reklamasjon => "Reklamasjon",
            skranke_core::claim::ClaimKind::Transportskade => "Transportskade",
        };
        let text = format!(
            "Hei {name}!\n\nVi har mottatt meldingen om {} (nr. {claim_no}) på ordre {}.\n{}\n\n\
             Bekreftelsen ligger vedlagt som PDF. Ta vare på varen og emballasjen til saken er avgjort;\n\
             vi tar kontakt om hva som skjer videre.\n\nSpørsmål? Skriv til {contact}.\n",
            what.to_lowercase(),
            order.number,
            claim.timing.text()
        );
        return attach(
            builder,
            format!("{what} på ordre {} (nr. {claim_no})", order.number),
            text,
            format!("reklamasjon-{}-{claim_no}.pdf", order.number),
            pdf,
        );
    }
    if let Extra::Exchange(e) = extra {
        let slip = skranke_pdf::ExchangeDocument {
            new_order: document,
            original_number: &e.original_number,
            ret: &e.ret.0,
            return_no: e.return_no,
            terms: &e.terms.0,
            registered: crate::personal_data::oslo_date(e.created_at),
        };
        let pdf = skranke_pdf::exchange_slip(&slip).map_err(|e| e.to_string())?;
        let settled = match e.terms.0.settlement() {
            skranke_core::exchange::Settlement::Even => {
                "Byttet går opp i opp: du betaler ingenting.".to_string()
            }
            skranke_core::exchange::Settlement::CustomerPays { amount } => {
                format!("Du betaler bare mellomlegget, {amount}; betalingsforespørselen kommer for seg.")
            }
            skranke_core::exchange::Settlement::CustomerGetsBack { amount } => {
                format!("Du får {amount} tilbake når vi har mottatt varene du sender tilbake.")
            }
        };
        let text = format!(
            "Hei {name}!\n\nVi har registrert byttet av varer fra ordre {}. De nye varene sendes som ordre {}.\n             {settled}\n\nBytteseddelen ligger vedlagt som PDF: legg den i pakken med varene du sender \
             tilbake.\nAngreretten gjelder også de nye varene: 14 dager etter at du har mottatt dem.\n\n\
             Spørsmål? Skriv til {contact}.\n",
            e.original_number, order.number
        );
        return attach(
            builder,
            format!(
                "Bytte: ordre {} erstatter varer fra {}",
                order.number, e.original_number
            ),
            text,
            format!("bytteseddel-{}.pdf", order.number),
            pdf,
        );
    }
    if mail.kind == "changed" {
        let changes: Vec<String> = order
            .changes
            .as_ref()
            .map(|c| {
                c.0.iter()
                    .map(skranke_core::order_change::ChangeItem::text)
                    .collect()
            })
            .unwrap_or_default();
        let version = u32::try_from(order.version).unwrap_or(1);
        let changed_on = crate::personal_data::oslo_date(order.changed_at.unwrap_or(order.updated_at));
        let pdf = skranke_pdf::changed_order_confirmation(
            &document,
            &skranke_pdf::Revision {
                version,
                changed_on,
                changes: &changes,
            },
        )
        .map_err(|e| e.to_string())?;
        let list: String = changes.iter().map(|c| format!("  • {c}\n")).collect();
        let text = format!(
            "Hei {name}!\n\nOrdre {} er endret etter avtale med deg (versjon {version}):\n{list}\n\
             Den endrede ordrebekreftelsen ligger vedlagt som PDF, med angreretten og angreskjemaet:\n\
             du kan angre kjøpet i 14 dager etter at du har mottatt varene.\n\nSpørsmål? Skriv til {contact}.\n",
            order.number
        );
        return attach(
            builder,
            format!("Endret ordrebekreftelse {} (versjon {version})", order.number),
            text,
            format!("ordrebekreftelse-{}-v{version}.pdf", order.number),
            pdf,
        );
    }
    let pdf = skranke_pdf::order_confirmation(&document).map_err(|e| e.to_string())?;
    // D7a: an order without MVA says why in the mail too, as on the confirmation.
    let mva_note = order
        .body
        .0
        .totals
        .mva_note()
        .map(|n| format!("{n}\n\n"))
        .unwrap_or_default();
    let text = format!(
        "Hei {}!\n\nTakk for bestillingen. Ordrebekreftelsen for ordre {} ligger vedlagt som PDF.\n\
         Der står også angreretten din og angreskjemaet: du kan angre kjøpet i 14 dager etter at du har\n\
         mottatt varene.\n\n{mva_note}Spørsmål? Skriv til {contact}.\n",
        order.body.0.customer.name, order.number
    );
    attach(
        builder,
        format!("Ordrebekreftelse {}", order.number),
        text,
        format!("ordrebekreftelse-{}.pdf", order.number),
        pdf,
    )
}
