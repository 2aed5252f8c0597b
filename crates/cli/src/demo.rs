//! `skranke demo` and `skranke demo-catalog`: a demo catalog and a walk through the desk.

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use skranke_core::OrderDraft;
use skranke_desk::{Desk, DeskError};

use crate::print::{print_order, progress, truncate};

/// The README's run command before the window exists: a demo catalog, a search and one example order.
pub(crate) async fn demo(desk: &Desk, now: chrono::DateTime<Utc>) -> Result<(), DeskError> {
    if desk.cache().product_count().await? == 0 {
        println!("Tom katalog: importerer demokatalogen (5 000 produkter) ...");
        desk.import_demo(5_000, now, progress).await?;
        eprintln!();
    }
    println!("\nSøk «kaffetrakter»:");
    let hits = desk.search("kaffetrakter", 5, now).await?;
    for h in &hits {
        println!(
            "  {:<12} {:<50} {:>14}  {}",
            h.sku,
            truncate(&h.name, 50),
            h.price_text.replace('\u{a0}', " "),
            h.availability_text
        );
    }
    let Some(first) = hits
        .iter()
        .find(|h| h.availability_code == "in_stock")
        .or(hits.first())
    else {
        return Ok(());
    };
    let draft: OrderDraft = serde_json::from_value(serde_json::json!({
        "customer": {
            "name": "Kari Nordmann",
            "phone": "+47 412 34 567",
            "email": "kari.nordmann@example.no",
            "address": { "line1": "Storgata 1", "postcode": "0155" },
            "confirmed_15_or_older": true
        },
        "lines": [ { "sku": first.sku, "quantity": 1 } ],
        "shipping_method": "servicepakke",
        "payment_method": "vipps"
    }))
    .map_err(|e| DeskError::Import {
        line: 0,
        field: "json".into(),
        message: e.to_string(),
    })?;
    // The demo desk's own person places the example order, as in the window.
    let who = desk
        .act_as_staff(
            skranke_desk::staff::DEMO_STAFF_NAME,
            skranke_desk::staff::DEMO_PIN,
            now,
        )
        .await?;
    let placed = desk.place_order(&who, uuid::Uuid::new_v4(), &draft, now).await?;
    println!("\nEksempelordre {} plassert.", placed.order_number);
    print_order(&skranke_desk::views::OrderDetailView::from(
        desk.show_order(&placed.order_number).await?,
    ));
    println!("\nDatamappe: {}", desk.data_dir().display());
    Ok(())
}

pub(crate) fn write_demo_catalog(
    path: &Path,
    count: usize,
    now: chrono::DateTime<Utc>,
) -> Result<(), DeskError> {
    let file = std::fs::File::create(path).map_err(|source| DeskError::Io {
        context: format!("kan ikke skrive {}", path.display()),
        source,
    })?;
    let mut out = std::io::BufWriter::new(file);
    let today = skranke_desk::oslo_time(now).date();
    let write_err = |source| DeskError::Io {
        context: format!("kan ikke skrive {}", path.display()),
        source,
    };
    for p in skranke_demo::products(count, 2026, now, today) {
        let row = serde_json::json!({
            "sku": p.sku,
            "eans": p.eans,
            "name": p.name,
            "brand": p.brand,
            "category": p.category,
            "price": format!("{},{:02}", p.price.ore() / 100, p.price.ore() % 100),
            "mva": p.mva_rate.percent(),
            "availability": p.availability.code(),
            "supplier_date": p.availability.supplier_date().map(|d| d.to_string()),
        });
        writeln!(out, "{row}").map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    println!("{count} produkter skrevet til {}", path.display());
    Ok(())
}
