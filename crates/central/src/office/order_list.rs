//! The order list's query: filters (store, status, payment, dates, text) and keyset paging over
//! `(placed_at, id)`, newest first, so that the thousandth page costs what the first one costs with a
//! million orders (the `office` benchmark measures it).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use serde::{Deserialize, Serialize};
use skranke_core::{OrderStatus, PhoneNumber};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// Rows on a page.
pub const PAGE_SIZE: usize = 50;

/// A name search looks at this many customers at most (the newest first); more asks for more of the
/// name.
pub const NAME_MATCH_LIMIT: i64 = 500;

/// The list's address bar, as the filter form sends it (Norwegian names: the address is read by
/// people).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderQuery {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub butikk: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub betaling: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fra: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub til: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sok: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub etter: String,
}

impl OrderQuery {
    /// The same filters from the first page on.
    pub fn without_cursor(&self) -> OrderQuery {
        OrderQuery {
            etter: String::new(),
            ..self.clone()
        }
    }

    /// `?butikk=OSL&…` (empty when nothing is set).
    pub fn to_query_string(&self) -> String {
        match serde_urlencoded::to_string(self) {
            Ok(s) if !s.is_empty() => format!("?{s}"),
            _ => String::new(),
        }
    }
}

/// What a payment filter matches: the states staff think of as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentFilter {
    Waiting,
    Reserved,
    Paid,
    Refunded,
    Stopped,
}

impl PaymentFilter {
    pub const ALL: [PaymentFilter; 5] = [
        PaymentFilter::Waiting,
        PaymentFilter::Reserved,
        PaymentFilter::Paid,
        PaymentFilter::Refunded,
        PaymentFilter::Stopped,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            PaymentFilter::Waiting => "venter",
            PaymentFilter::Reserved => "reservert",
            PaymentFilter::Paid => "betalt",
            PaymentFilter::Refunded => "refundert",
            PaymentFilter::Stopped => "stoppet",
        }
    }

    pub const fn text(self) -> &'static str {
        match self {
            PaymentFilter::Waiting => "venter på betaling",
            PaymentFilter::Reserved => "reservert",
            PaymentFilter::Paid => "betalt",
            PaymentFilter::Refunded => "refundert",
            PaymentFilter::Stopped => "utløpt, avvist eller feilet",
        }
    }

    /// The payment states (codes in `orders.payment_state`) this filter shows.
    const fn states(self) -> &'static [&'static str] {
        match self {
            PaymentFilter::Waiting => &["requested", "sent"],
            PaymentFilter::Reserved => &["reserved"],
            PaymentFilter::Paid => &["captured"],
            PaymentFilter::Refunded => &["refunded"],
            PaymentFilter::Stopped => &["expired", "declined", "cancelled", "failed"],
        }
    }

    fn from_code(code: &str) -> Option<PaymentFilter> {
        PaymentFilter::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// Where a page ends: the next page starts after this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub placed_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `<microseconds since 1970>_<id>`: short, and only this list reads it.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.placed_at.timestamp_micros(), self.id)
    }

    fn decode(text: &str) -> Option<Cursor> {
        let (micros, id) = text.split_once('_')?;
        Some(Cursor {
            placed_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// How the text search reads what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextSearch {
    OrderNumber(String),
    Phone(String),
    Name(String),
}

impl TextSearch {
    fn parse(text: &str) -> Option<TextSearch> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Ok(phone) = PhoneNumber::parse(text) {
            return Some(TextSearch::Phone(phone.e164()));
        }
        // Order numbers are the series, a dash and digits: OSL1-000123.
        let looks_like_number = text.contains('-')
            && text.chars().any(|c| c.is_ascii_digit())
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if looks_like_number {
            return Some(TextSearch::OrderNumber(text.to_uppercase()));
        }
        Some(TextSearch::Name(text.to_lowercase()))
    }
}

/// The filters, parsed.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub store: Option<String>,
    pub status: Option<OrderStatus>,
    pub payment: Option<PaymentFilter>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: Option<TextSearch>,
    pub after: Option<Cursor>,
}

impl OrderFilter {
    /// Reads the address bar; what cannot be read is said in Norwegian.
    pub fn parse(q: &OrderQuery) -> Result<OrderFilter, String> {
        let date = |text: &str, what: &str| -> Result<Option<NaiveDate>, String> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
                .map(Some)
                .map_err(|_| format!("«{text}» er ikke en dato ({what}): skriv den som 24.12.2026."))
        };
        let status = match q.status.trim() {
            "" => None,
            code => Some(OrderStatus::from_code(code).ok_or_else(|| format!("Ukjent status «{code}»."))?),
        };
        let payment = match q.betaling.trim() {
            "" => None,
            code => Some(
                PaymentFilter::from_code(code).ok_or_else(|| format!("Ukjent betalingsstatus «{code}»."))?,
            ),
        };
        let after = match q.etter.trim() {
            "" => None,
            text => Some(
                Cursor::decode(text)
                    .ok_or_else(|| "Lenken til neste side er ødelagt: begynn på første side.".to_string())?,
            ),
        };
        let store = q.butikk.trim().to_uppercase();
        Ok(OrderFilter {
            store: (!store.is_empty()).then_some(store),
            status,
            payment,
            from: date(&q.fra, "fra")?,
            to: date(&q.til, "til")?,
            text: TextSearch::parse(&q.sok),
            after,
        })
    }
}

/// One order as the list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderListRow {
    pub id: Uuid,
    pub number: String,
    pub store_id: String,
    pub placed_at: DateTime<Utc>,
    pub customer: Option<String>,
    pub status: String,
    pub payment_state: Option<String>,
    pub email_state: Option<String>,
    pub total_ore: i64,
    pub flagged: bool,
}

/// A page of the list, and where the next one starts (none on the last page).
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub rows: Vec<OrderListRow>,
    pub next: Option<Cursor>,
    /// The name search matched more customers than it looks at.
    pub names_capped: bool,
}

/// Midnight at the start of `day` in Norway, as an instant.
fn oslo_midnight(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Oslo.from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The page `filter` asks for.
pub async fn order_page(pool: &PgPool, filter: &OrderFilter) -> Result<OrderPage, sqlx::Error> {
    // A phone or a name is found among the customers first, so the orders are read by customer,
    // not by scanning the newest orders for one that matches.
    let mut names_capped = false;
    let customers: Option<Vec<Uuid>> = match &filter.text {
        Some(TextSearch::Phone(phone)) => Some(
            sqlx::query_scalar("SELECT id FROM customers WHERE body->>'phone' = $1")
                .bind(phone)
                .fetch_all(pool)
                .await?,
        ),
        Some(TextSearch::Name(name)) => {
            let pattern = format!(
                "%{}%",
                name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
            );
            let ids: Vec<Uuid> = sqlx::query_scalar(
                "SELECT id FROM customers WHERE lower(body->>'name') LIKE $1
                 ORDER BY updated_at DESC LIMIT $2",
            )
            .bind(pattern)
            .bind(NAME_MATCH_LIMIT + 1)
            .fetch_all(pool)
            .await?;
            names_capped = ids.len() as i64 > NAME_MATCH_LIMIT;
            Some(ids.into_iter().take(NAME_MATCH_LIMIT as usize).collect())
        }
        _ => None,
    };
    if customers.as_ref().is_some_and(Vec::is_empty) {
        return Ok(OrderPage {
            rows: Vec::new(),
            next: None,
            names_capped,
        });
    }

    let mut q = QueryBuilder::<Postgres>::new(
        "SELECT o.id, o.number, o.store_id, o.placed_at, c.body->>'name' AS customer, o.status,
                o.payment_state, o.email_state, o.total_ore, jsonb_array_length(o.flags) > 0 AS flagged
         FROM orders o JOIN customers c ON c.id = o.customer_id WHERE true",
    );
    if let Some(store) = &filter.store {
        q.push(" AND o.store_id = ").push_bind(store.clone());
    }
    if let Some(status) = filter.status {
        q.push(" AND o.status = ").push_bind(status.code());
    }
    if let Some(payment) = filter.payment {
        q.push(" AND o.payment_state = ANY(")
            .push_bind(payment.states().to_vec())
            .push(")");
    }
    if let Some(from) = filter.from {
        q.push(" AND o.placed_at >= ").push_bind(oslo_midnight(from));
    }
    if let Some(to) = filter.to {
        q.push(" AND o.placed_at < ")
            .push_bind(oslo_midnight(to + chrono::Days::new(1)));
    }
    if let Some(TextSearch::OrderNumber(number)) = &filter.text {
        q.push(" AND o.number = ").push_bind(number.clone());
    }
    if let Some(ids) = customers {
        q.push(" AND o.customer_id = ANY(").push_bind(ids).push(")");
    }
    if let Some(after) = filter.after {
        q.push(" AND (o.placed_at, o.id) < (")
            .push_bind(after.placed_at)
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
    q.push(" ORDER BY o.placed_at DESC, o.id DESC LIMIT ")
        .push_bind(PAGE_SIZE as i64 + 1);
    let mut rows: Vec<OrderListRow> = q.build_query_as().fetch_all(pool).await?;
    let next = if rows.len() > PAGE_SIZE {
        rows.truncate(PAGE_SIZE);
        rows.last().map(|r| Cursor {
            placed_at: r.placed_at,
            id: r.id,
        })
    } else {
        None
    };
    Ok(OrderPage {
        rows,
        next,
        names_capped,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn what_was_typed_is_read_as_a_phone_an_order_number_or_a_name() {
        assert_eq!(
            TextSearch::parse(" 412 34 567 "),
            Some(TextSearch::Phone("+4741234567".into()))
        );
        assert_eq!(
            TextSearch::parse("osl1-000123"),
            Some(TextSearch::OrderNumber("OSL1-000123".into()))
        );
        assert_eq!(
            TextSearch::parse("Kari Nordmann"),
            Some(TextSearch::Name("kari nordmann".into()))
        );
        assert_eq!(TextSearch::parse("   "), None);
    }

    #[test]
    fn a_cursor_survives_the_address_bar_and_a_broken_one_is_refused() {
        let c = Cursor {
            placed_at: DateTime::from_timestamp_micros(1_780_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        let q = OrderQuery {
            etter: "x_y".into(),
            ..OrderQuery::default()
        };
        assert!(OrderFilter::parse(&q).unwrap_err().contains("første side"));
    }

    #[test]
    fn dates_are_norwegian_days() {
        let q = OrderQuery {
            fra: "24.12.2026".into(),
            til: "2026-12-31".into(),
            ..OrderQuery::default()
        };
        let f = OrderFilter::parse(&q).unwrap();
        assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 12, 24));
        assert_eq!(
            oslo_midnight(f.from.unwrap()).to_rfc3339(),
            "2026-12-23T23:00:00+00:00"
        );
        let bad = OrderQuery {
            fra: "i går".into(),
            ..OrderQuery::default()
        };
        assert!(OrderFilter::parse(&bad).unwrap_err().contains("24.12.2026"));
    }

    #[test]
    fn the_address_bar_keeps_the_filters_and_drops_the_cursor() {
        let q = OrderQuery {
            butikk: "OSL".into(),
            sok: "Ola & Kari".into(),
            etter: "1_x".into(),
            ..OrderQuery::default()
        };
        assert_eq!(
            q.without_cursor().to_query_string(),
            "?butikk=OSL&sok=Ola+%26+Kari"
        );
        assert_eq!(OrderQuery::default().to_query_string(), "");
    }
}
