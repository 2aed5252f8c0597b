//! `skranke`: the desk's use cases without a window — demo catalog, import, search, place and list
//! orders. Glue over `skranke-desk`; every rule lives below it.

mod args;
mod demo;
mod identity;
mod print;
mod sync;

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use skranke_core::return_request::ReturnLineDraft;
use skranke_core::{OrderDraft, ReturnDraft};
use skranke_desk::{default_data_dir, Desk, DeskError, MAX_ORDER_FILE_BYTES};

use args::{
    AuditCommand, Cli, Command, CustomerCommand, KeyCommand, OrderCommand, PdfCommand, PrinterCommand,
};
use demo::{demo, write_demo_catalog};
use identity::Identity;
use print::{print_order, progress, show, truncate};
use sync::sync;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The same log as the window's: support sees what was done from the command line too. A log
    // folder that cannot be written does not stop the command.
    let _log = match skranke_desk::logging::start(&skranke_desk::logging::default_log_dir()) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("advarsel: {e}");
            None
        }
    };
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    // `--now` (tests) as given; otherwise the desk's time, which is the central store's after a
    // recent sync when this PC's clock is off (issue 21).
    let now = cli.now;
    let identity = Identity {
        staff: cli.staff.clone(),
        service: cli.service.clone(),
    };
    match run(cli.command, &data_dir, &identity, now).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("feil: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Command,
    data_dir: &Path,
    identity: &Identity,
    now: Option<chrono::DateTime<Utc>>,
) -> Result<(), DeskError> {
    if let Command::DemoCatalog {
        count,
        output: Some(path),
    } = &command
    {
        return write_demo_catalog(path, *count, now.unwrap_or_else(Utc::now));
    }
    if let Command::Key(KeyCommand::Reset { yes }) = &command {
        if !yes {
            eprintln!(
                "En ny nøkkel sletter fødselsnumre som ikke er sendt og utkastet. Kjør på nytt med --yes \
                 bare hvis den gamle nøkkelen er tapt for godt."
            );
            std::process::exit(2);
        }
        let (location, dropped) = skranke_desk::field_key::replace_lost_key(data_dir).await?;
        let place = match location {
            skranke_desk::field_key::KeyLocation::Keyring(_) => "i nøkkelringen".to_string(),
            skranke_desk::field_key::KeyLocation::File(path) => format!("i {}", path.display()),
        };
        println!("Ny nøkkel lagret {place}. {dropped} krypterte verdier kunne ikke leses og er slettet; ordrene er som før.");
        return Ok(());
    }
    if let Command::Restore {
        file,
        key,
        without_key,
    } = &command
    {
        let report = skranke_desk::backup::restore(
            file,
            key.as_deref(),
            *without_key,
            data_dir,
            now.unwrap_or_else(Utc::now),
        )
        .await?;
        println!(
            "Sikkerhetskopien er lagt tilbake i {}: {} ordrer, {} endringer venter på sentralen.",
            data_dir.display(),
            report.orders,
            report.unsent
        );
        if report.dropped_sealed > 0 {
            println!(
                "{} krypterte verdier kunne ikke leses uten nøkkelen og er slettet.",
                report.dropped_sealed
            );
        }
        println!(
            "Skranken har fått en ny ordreserie ({}): den gamle kan ha brukt numre etter at kopien ble tatt. \
             Koble den til sentralen på nytt (skranke sync pair ADRESSE KODE) før den tas i bruk.",
            report.series
        );
        return Ok(());
    }
    let desk = Desk::open(data_dir).await?;
    let now = now.unwrap_or_else(|| desk.now());
    match command {
        Command::DemoCatalog { count, .. } => {
            let n = desk.import_demo(count, now, progress).await?;
            eprintln!();
            println!("Demokatalog med {n} produkter importert i {}", data_dir.display());
        }
        Command::Import { file } => {
            let n = desk.import_file(&file, now, progress).await?;
            eprintln!();
            println!("{n} produkter importert fra {}", file.display());
        }
        Command::Search { text, limit } => {
            let hits = desk.search(&text.join(" "), limit, now).await?;
            if hits.is_empty() {
                println!("Ingen treff.");
            }
            for h in hits {
                println!(
                    "{:<12} {:<55} {:>14}  {} ({})",
                    h.sku,
                    truncate(&h.name, 55),
                    h.price_text.replace('\u{a0}', " "),
                    h.availability_text,
                    h.as_of_text
                );
            }
        }
        Command::Order(OrderCommand::Place { file, id }) => {
            let text = skranke_desk::import::read_text_file(&file, MAX_ORDER_FILE_BYTES)?;
            let draft: OrderDraft = serde_json::from_str(&text).map_err(|e| DeskError::Import {
                line: 0,
                field: file.display().to_string(),
                message: skranke_desk::import::json_message(&e),
            })?;
            let who = identity.acting(&desk, now).await?;
            let placed = desk
                .place_order(&who, id.unwrap_or_else(uuid::Uuid::new_v4), &draft, now)
                .await?;
            let again = if placed.already_placed {
                " (var allerede plassert)"
            } else {
                ""
            };
            println!("Ordre {} er plassert{again}.", placed.order_number);
            println!("Totalt: {}", placed.total_text.replace('\u{a0}', " "));
            println!("Levering: {}", placed.promise_text);
            for reason in placed.promise_reasons {
                println!("  {reason}");
            }
        }
        Command::Order(OrderCommand::List { text, limit }) => {
            let orders = desk.list_orders(text.as_deref(), limit).await?;
            if orders.is_empty() {
                println!("Ingen ordrer.");
            }
            for o in orders
                .into_iter()
                .map(skranke_desk::views::OrderSummaryView::from)
            {
                println!(
                    "{:<14} {}  {:<30} {:<12} {:>14}  {}{}",
                    o.order_number,
                    o.placed_text,
                    truncate(&o.customer_name, 30),
                    o.customer_phone,
                    o.total_text.replace('\u{a0}', " "),
                    o.status_text,
                    if o.synced { "" } else { " · ikke sendt ennå" }
                );
            }
        }
        Command::Order(OrderCommand::Show { number }) => {
            print_order(&desk.order_detail(&number).await?);
        }
        Command::Order(OrderCommand::Pay { number, method }) => {
            let who = identity.acting(&desk, now).await?;
            desk.request_payment(&who, &number, &method, now).await?;
            println!("Ny betalingsforespørsel for {number} sendes med neste synkronisering.");
        }
        Command::Order(OrderCommand::ResendEmail { number, email }) => {
            let who = identity.acting(&desk, now).await?;
            desk.resend_confirmation(&who, &number, &email, now).await?;
            println!("Ordrebekreftelsen for {number} sendes på nytt med neste synkronisering.");
        }
        Command::Order(OrderCommand::Change {
            number,
            add,
            remove,
            quantity,
            address,
            postcode,
            shipping,
            payment,
            note,
            reprice,
            dry_run,
        }) => {
            let stored = desk.show_order(&number).await?;
            let mut draft = skranke_core::order_change::ChangeDraft::of(&stored.order);
            let edits = ChangeEdits {
                add,
                remove,
                quantity,
            };
            edits.apply(&mut draft)?;
            if let Some(a) = address {
                draft.delivery_address.line1 = a;
                draft.delivery_address.line2 = String::new();
            }
            if let Some(p) = postcode {
                draft.delivery_address.postcode = p;
            }
            if let Some(s) = shipping {
                draft.shipping_method = s;
            }
            if let Some(p) = payment {
                draft.payment_method = p;
            }
            if let Some(n) = note {
                draft.note = n;
            }
            draft.reprice = reprice;
            let view = if dry_run {
                let view = desk.preview_change(&number, &draft, now).await?;
                if !view.errors.is_empty() {
                    let text: Vec<String> = view
                        .errors
                        .iter()
                        .map(|e| format!("{}: {}", e.label, e.message))
                        .collect();
                    return Err(DeskError::ChangeRefused(text.join("\n")));
                }
                view
            } else {
                let who = identity.acting(&desk, now).await?;
                desk.change_order(&who, &number, stored.version, &draft, now)
                    .await?
            };
            let saved = if dry_run { "(ikke lagret)" } else { "lagret" };
            println!("{number} versjon {} {saved}:", view.version);
            for c in &view.changes {
                println!("  {c}");
            }
            println!("Ny sum {}. {}", view.totals.total_text, view.payment_text);
            if let Some(r) = &view.refusal {
                println!("Kan ikke lagres: {r}");
            }
        }
        Command::Order(OrderCommand::Claim {
            number,
            kind,
            lines,
            description,
            discovered,
            received,
            long_lasting,
            photos,
            id,
        }) => {
            let who = identity.acting(&desk, now).await?;
            let mut names = Vec::new();
            for path in &photos {
                let bytes = std::fs::read(path).map_err(|e| DeskError::Io {
                    context: format!("kan ikke lese {}", path.display()),
                    source: e,
                })?;
                names.push(desk.add_claim_photo(&bytes, now).await?.sha256);
            }
            let mut claim_lines = Vec::new();
            for text in &lines {
                let parsed = text
                    .split_once(':')
                    .and_then(|(l, q)| Some((l.trim().parse::<u32>().ok()?, q.trim().parse::<i64>().ok()?)));
                let Some((line_no, quantity)) = parsed else {
                    return Err(DeskError::Import {
                        line: 0,
                        field: "--line".into(),
                        message: format!("«{text}»: skriv LINJE:ANTALL, for eksempel 1:1"),
                    });
                };
                claim_lines.push(skranke_core::claim::ClaimLineDraft { line_no, quantity });
            }
            let draft = skranke_core::claim::ClaimDraft {
                kind,
                lines: claim_lines,
                description,
                discovered,
                received,
                meant_to_last_longer: long_lasting,
                photos: names,
            };
            let claim = desk
                .register_claim(&who, &number, id.unwrap_or_else(uuid::Uuid::new_v4), &draft, now)
                .await?;
            println!(
                "Reklamasjon {} på {number} er registrert{}. {}",
                claim.claim_no,
                if claim.already_recorded {
                    " (var allerede registrert)"
                } else {
                    ""
                },
                claim.timing_text
            );
            println!("Bekreftelse skrevet til {}", claim.document.path_text);
        }
        Command::Order(OrderCommand::Exchange {
            number,
            back,
            add,
            dry_run,
            id,
        }) => {
            let mut lines = skranke_core::order_change::ChangeDraft::default();
            ChangeEdits {
                add,
                remove: Vec::new(),
                quantity: Vec::new(),
            }
            .apply(&mut lines)?;
            let draft = skranke_desk::ExchangeDraft {
                back: ReturnDraft {
                    lines: parse_return_lines(&back)?,
                    ..Default::default()
                },
                lines: lines.lines,
            };
            let view = desk.preview_exchange(&number, &draft, now).await?;
            if let Some(refusal) = &view.refusal {
                println!("{refusal}");
            }
            for e in &view.errors {
                println!("{}: {}", e.label, e.message);
            }
            if view.errors.is_empty() {
                println!("{} {}", view.terms_text, view.settlement_text);
            }
            if !dry_run {
                let who = identity.acting(&desk, now).await?;
                // One id names both halves: a retry with the same --id records nothing twice.
                let return_id = id.unwrap_or_else(uuid::Uuid::now_v7);
                // The new order's id follows from it (its last random bit flipped; version and
                // variant bits untouched), so the pair is the same on every retry.
                let new_order_id = uuid::Uuid::from_u128(return_id.as_u128() ^ 1);
                let done = desk
                    .register_exchange(&who, &number, return_id, new_order_id, &draft, now)
                    .await?;
                println!(
                    "Bytte registrert{}: retur {} av {number}, nye varer som ordre {}. {}",
                    if done.already_recorded {
                        " (var allerede registrert)"
                    } else {
                        ""
                    },
                    done.return_no,
                    done.new_order_number,
                    done.settlement_text
                );
                println!("Bytteseddel skrevet til {}", done.slip.path_text);
            }
        }
        Command::Order(OrderCommand::Cancel { number, reason }) => {
            let who = identity.acting(&desk, now).await?;
            desk.cancel_order(&who, &number, &reason, now).await?;
            println!("{number} er kansellert; sentralen får beskjed med neste synkronisering.");
        }
        Command::Pdf(PdfCommand::Confirmation { order, open, print }) => {
            let who = identity.acting(&desk, now).await?;
            let path = desk.confirmation_pdf(&who, &order, now).await?;
            println!("Ordrebekreftelse skrevet til {}", path.display());
            show(&desk, &path, open, print).await?;
        }
        Command::Pdf(PdfCommand::Return {
            order,
            lines,
            description,
            received,
            id,
            open,
            print,
        }) => {
            let draft = ReturnDraft {
                lines: parse_return_lines(&lines)?,
                description,
                received: received
                    .map(|d| d.format("%d.%m.%Y").to_string())
                    .unwrap_or_default(),
            };
            let who = identity.acting(&desk, now).await?;
            let registered = desk
                .register_return(&who, &order, id.unwrap_or_else(uuid::Uuid::now_v7), &draft, now)
                .await?;
            let again = if registered.already_recorded {
                " (var allerede registrert)"
            } else {
                ""
            };
            println!(
                "Retur {} av ordre {order} registrert{again}.",
                registered.return_no
            );
            println!("Returseddel skrevet til {}", registered.slip.path_text);
            let slip = desk.document_path(&registered.slip.document)?;
            show(&desk, &slip, open, print).await?;
        }
        Command::Demo => demo(&desk, now).await?,
        Command::Backup { file } => {
            let who = identity.acting(&desk, now).await?;
            let report = desk.backup(&who, &file, now).await?;
            println!("Sikkerhetskopi skrevet til {}", report.file.display());
            println!(
                "Nøkkelen er i {}: oppbevar den et annet sted enn kopien.",
                report.key_file.display()
            );
        }
        Command::Restore { .. } => {}
        Command::Printer(PrinterCommand::List) => {
            let choice = desk.printers().await?;
            if choice.printers.is_empty() {
                println!("Systemet har ingen skrivere.");
            }
            for p in &choice.printers {
                let used = match &choice.chosen {
                    Some(chosen) => chosen == &p.name,
                    None => p.system_default,
                };
                let default = if p.system_default {
                    " (systemets standard)"
                } else {
                    ""
                };
                println!("{} {}{default}", if used { "*" } else { " " }, p.name);
            }
        }
        Command::Printer(PrinterCommand::Choose { name, .. }) => {
            let who = identity.acting(&desk, now).await?;
            desk.choose_printer(&who, name.as_deref(), now).await?;
            match name {
                Some(name) => println!("Skranken skriver ut på {name}."),
                None => println!("Skranken skriver ut på systemets standardskriver."),
            }
        }
        Command::SupportBundle { out } => {
            let who = identity.acting(&desk, now).await?;
            let out = out.unwrap_or_else(|| data_dir.join(skranke_desk::BUNDLE_DIR));
            let bundle = desk
                .write_support_bundle(&who, &skranke_desk::logging::default_log_dir(), &out, now)
                .await?;
            println!("Feilsøkingspakke skrevet til {}", bundle.path);
            println!(
                "{}; databasen er {}.",
                if bundle.log_files == 1 {
                    "1 loggfil".to_string()
                } else {
                    format!("{} loggfiler", bundle.log_files)
                },
                if bundle.cache_sound {
                    "hel"
                } else {
                    "SKADET (se om-skranken.txt)"
                }
            );
        }
        Command::Sync(c) => sync(&desk, c, now).await?,
        Command::Audit(AuditCommand::Show { limit }) => {
            for line in desk.audit_lines(limit).await? {
                println!(
                    "{:>6}  {}  {:<24} {} {}",
                    line.seq,
                    line.at_text,
                    truncate(&line.who, 24),
                    line.action,
                    line.subject
                );
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let entries = desk.verify_audit_log().await?;
            println!("Revisjonsloggen er i orden: {entries} hendelser, kjeden er hel.");
        }
        // Handled above, before the desk is opened: its point is a desk that cannot be.
        Command::Key(KeyCommand::Reset { .. }) => {}
        Command::Customer(CustomerCommand::Export { phone, output }) => {
            let who = identity.acting(&desk, now).await?;
            let data = desk.customer_export(&who, &phone, now).await?;
            let text = serde_json::to_string_pretty(&data).unwrap_or_default();
            match output {
                Some(path) => {
                    std::fs::write(&path, text + "\n").map_err(|source| DeskError::Io {
                        context: format!("kan ikke skrive {}", path.display()),
                        source,
                    })?;
                    println!("Kundens data er skrevet til {}", path.display());
                }
                None => println!("{text}"),
            }
        }
        Command::Customer(CustomerCommand::Forget { phone, yes }) => {
            if !yes {
                eprintln!("Slettingen kan ikke angres. Kjør på nytt med --yes for å slette kunden {phone}.");
                std::process::exit(2);
            }
            let who = identity.acting(&desk, now).await?;
            let report = desk.forget_customer(&who, &phone, now).await?;
            for line in skranke_desk::forget_report_lines(&report) {
                println!("{line}");
            }
        }
    }
    Ok(())
}

/// `1:2:angrerett` → line 1, quantity 2, reason angrerett. Bad parts become field errors like the form's.
fn parse_return_lines(args: &[String]) -> Result<Vec<ReturnLineDraft>, DeskError> {
    args.iter()
        .enumerate()
        .map(|(i, arg)| {
            let parts: Vec<&str> = arg.split(':').collect();
            let bad = || DeskError::Import {
                line: 0,
                field: format!("--line {arg}"),
                message: format!(
                    "returlinje {} må skrives LINJE:ANTALL:ÅRSAK, for eksempel 1:2:angrerett",
                    i + 1
                ),
            };
            let [line_no, quantity, reason] = parts[..] else {
                return Err(bad());
            };
            Ok(ReturnLineDraft {
                line_no: line_no.trim().parse().map_err(|_| bad())?,
                quantity: quantity.trim().parse().map_err(|_| bad())?,
                reason: reason.trim().to_string(),
            })
        })
        .collect()
}

/// The line edits of `order change`, as typed.
struct ChangeEdits {
    add: Vec<String>,
    remove: Vec<String>,
    quantity: Vec<String>,
}

impl ChangeEdits {
    fn apply(self, draft: &mut skranke_core::order_change::ChangeDraft) -> Result<(), DeskError> {
        let parse = |text: &str, default: Option<i64>| -> Result<(String, i64), DeskError> {
            let (sku, qty) = match text.split_once(':') {
                Some((sku, qty)) => (sku, qty.trim().parse::<i64>().ok()),
                None => (text, default),
            };
            let qty = qty.ok_or_else(|| DeskError::Import {
                line: 0,
                field: "--quantity".into(),
                message: format!("«{text}»: skriv VARENR:ANTALL"),
            })?;
            Ok((sku.trim().to_uppercase(), qty))
        };
        for text in &self.add {
            let (sku, qty) = parse(text, Some(1))?;
            match draft.lines.iter_mut().find(|l| l.sku.eq_ignore_ascii_case(&sku)) {
                Some(line) => line.quantity += qty,
                None => draft.lines.push(skranke_core::order::LineDraft {
                    discount: None,
                    sku,
                    quantity: qty,
                }),
            }
        }
        for text in &self.quantity {
            let (sku, qty) = parse(text, None)?;
            match draft.lines.iter_mut().find(|l| l.sku.eq_ignore_ascii_case(&sku)) {
                Some(line) => line.quantity = qty,
                None => {
                    return Err(DeskError::Import {
                        line: 0,
                        field: "--quantity".into(),
                        message: format!("{sku} er ikke på ordren"),
                    })
                }
            }
        }
        for sku in &self.remove {
            let before = draft.lines.len();
            draft.lines.retain(|l| !l.sku.eq_ignore_ascii_case(sku.trim()));
            if draft.lines.len() == before {
                return Err(DeskError::Import {
                    line: 0,
                    field: "--remove".into(),
                    message: format!("{} er ikke på ordren", sku.trim()),
                });
            }
        }
        Ok(())
    }
}
