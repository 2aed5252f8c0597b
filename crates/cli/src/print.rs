//! Printing the desk's views on the terminal, and opening or printing a document.

use std::path::Path;

use skranke_desk::DeskError;

/// The desk's view of the order, as the window shows it, in lines for a terminal.
pub(crate) fn print_order(view: &skranke_desk::views::OrderDetailView) {
    let plain = |text: &str| text.replace('\u{a0}', " ");
    let sync = if view.synced {
        "synkronisert"
    } else {
        "ikke sendt ennå"
    };
    println!("Ordre {}  ({sync})", view.order_number);
    println!("Dato: {}", view.placed_text);
    match &view.tracking_number {
        Some(t) => println!("Status: {} (sporingsnummer {t})", view.status_text),
        None => println!("Status: {}", view.status_text),
    }
    for note in &view.central_notes {
        println!("{note}");
    }
    println!("Kunde: {}", view.customer_lines.join(", "));
    println!("Levering til: {}", view.delivery_lines.join(", "));
    println!("Fraktmåte: {}", plain(&view.shipping_text));
    println!("Betaling: {}", view.payment_state_text);
    println!("E-post: {}", view.email_text);
    if let Some(m) = &view.followup_message {
        println!("Avvist av sentralen: {m}");
    }
    println!();
    for line in &view.lines {
        println!(
            "  {:<12} {:<45} {:>3} × {:>12} = {:>12}",
            line.sku,
            truncate(&line.name, 45),
            line.quantity,
            plain(&line.unit_price_text),
            plain(&line.line_total_text)
        );
        println!(
            "  {:<12} {} Levering: {}",
            "", line.availability_text, line.promise_text
        );
        if let Some(supplier) = &line.supplier_text {
            println!("  {:<12} {supplier}", "");
        }
    }
    println!();
    let t = &view.totals;
    println!(
        "Varer: {}   Frakt: {}   Totalt: {}",
        plain(&t.goods_text),
        plain(&t.shipping_text),
        plain(&t.total_text)
    );
    for (label, amount) in &t.mva {
        println!("  {}: {}", plain(label), plain(amount));
    }
    if let Some(note) = &t.mva_note {
        println!("  {note}");
    }
    if let Some(age) = &view.age_text {
        println!("Alder (F6): {age}");
    }
    println!("Leveringsløfte: {}", view.promise_text);
}

pub(crate) async fn show(
    desk: &skranke_desk::Desk,
    path: &Path,
    open: bool,
    print: bool,
) -> Result<(), DeskError> {
    if open {
        skranke_desk::open_file(path)?;
    }
    if print {
        let printer = desk.print_document(path).await?;
        println!("Sendt til {printer}.");
    }
    Ok(())
}

pub(crate) fn progress(done: u64, total: u64) {
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    eprint!("\r  {done} av {total} produkter ({percent} %)");
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
