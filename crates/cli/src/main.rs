//! `skranke`: the desk's use cases without a window — demo catalog, import, search, place and list
//! orders. Glue over `skranke-desk`; every rule lives below it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};
use skranke_core::delivery::weekday_date;
use skranke_core::return_request::ReturnLineDraft;
use skranke_core::{OrderDraft, ReturnDraft};
use skranke_desk::{default_data_dir, Desk, DeskError, MAX_ORDER_FILE_BYTES};

#[derive(Debug, Parser)]
#[command(
    name = "skranke",
    version,
    about = "Skranke: ordreskranken for telefonordrer (uten vindu)"
)]
struct Cli {
    /// Datamappen (standard: SKRANKE_DATA_DIR eller operativsystemets datamappe).
    #[arg(long, global = true, value_name = "MAPPE")]
    data_dir: Option<PathBuf>,
    /// The time to act at (RFC 3339) instead of the clock: for tests and reproducible demos.
    #[arg(long, global = true, hide = true)]
    now: Option<chrono::DateTime<Utc>>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lager en realistisk norsk demokatalog og importerer den (eller skriver den til en fil).
    DemoCatalog {
        /// Antall produkter.
        #[arg(short = 'n', long, default_value_t = 5_000)]
        count: usize,
        /// Skriv katalogen som JSON lines til denne filen i stedet for å importere den.
        #[arg(long, value_name = "FIL")]
        output: Option<PathBuf>,
    },
    /// Importerer en katalog (CSV eller JSON lines; se README).
    Import { file: PathBuf },
    /// Søker i katalogen på navn, merke, varenummer eller EAN.
    Search {
        #[arg(required = true)]
        text: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Ordrer: plasser, list, vis.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Dokumenter: ordrebekreftelse og returseddel (PDF i datamappen).
    #[command(subcommand)]
    Pdf(PdfCommand),
    /// Demo: demokatalog ved tom database, søk og en eksempelordre.
    Demo,
    /// Revisjonsloggen: kontroller at ingen hendelse er endret eller slettet.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Synkronisering med sentralen: par, synk nå, status.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Personvern (F8): vis en kunde alt skranken har om dem, eller slett det loven ikke krever.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Nøkkelen som krypterer fødselsnumre og utkastet.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Når nøkkelen er tapt for godt: lager en ny. Fødselsnumre som ikke er sendt og utkastet kan
    /// ikke leses av noen lenger og slettes; ordrene er som før.
    Reset {
        /// Bekreft (kan ikke angres).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CustomerCommand {
    /// Skriver alt skranken har om kunden med dette telefonnummeret, som JSON.
    Export {
        phone: String,
        /// Skriv til denne filen i stedet for til skjermen.
        #[arg(long, value_name = "FIL")]
        output: Option<PathBuf>,
    },
    /// Sletter kunden: kunderegisteret, fødselsnummer og salg eldre enn oppbevaringstiden.
    Forget {
        phone: String,
        /// Bekreft slettingen (den kan ikke angres).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Regner ut hele kjeden på nytt; feiler (kode 1) og peker på hendelsen hvis noe er endret.
    Verify,
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Parer skranken med sentralen: adressen og engangskoden fra sentralen.
    Pair {
        url: String,
        code: String,
        /// Skrankens navn i sentralens liste.
        #[arg(long, default_value = "Skranke")]
        name: String,
    },
    /// Sender ordrer som ikke er sendt, og henter katalog, tilgjengelighet og ordrestatus.
    Now,
    /// Viser paring, ordrer som ikke er sendt, og siste synkronisering.
    Status,
}

#[derive(Debug, Subcommand)]
enum PdfCommand {
    /// Skriver ordrebekreftelsen til datamappen.
    Confirmation {
        order: String,
        /// Åpne PDF-en i systemets PDF-leser.
        #[arg(long)]
        open: bool,
        /// Skriv ut på standardskriveren.
        #[arg(long)]
        print: bool,
    },
    /// Registrerer en retur og skriver returseddelen.
    Return {
        order: String,
        /// Linje:antall:årsak, for eksempel 1:2:angrerett (årsak: angrerett, reklamasjon, transportskade, feil_vare).
        #[arg(long = "line", required = true, value_name = "LINJE:ANTALL:ÅRSAK")]
        lines: Vec<String>,
        /// Kundens beskrivelse.
        #[arg(long, default_value = "")]
        description: String,
        /// Dagen kunden mottok varene (ÅÅÅÅ-MM-DD), for angrefristen.
        #[arg(long)]
        received: Option<chrono::NaiveDate>,
        /// Returens id (UUID): samme id to ganger registrerer returen bare én gang.
        #[arg(long)]
        id: Option<uuid::Uuid>,
        #[arg(long)]
        open: bool,
        #[arg(long)]
        print: bool,
    },
}

#[derive(Debug, Subcommand)]
enum OrderCommand {
    /// Plasserer ordren i FIL.json og skriver ordrenummer og leveringsløfte.
    Place {
        file: PathBuf,
        /// Ordrens id (UUID): samme id to ganger gir samme ordre, aldri en ny.
        #[arg(long)]
        id: Option<uuid::Uuid>,
    },
    /// Lister ordrer, nyeste først; søk på ordrenummer, telefon eller navn.
    List {
        text: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Viser én ordre.
    Show { number: String },
    /// Sender betalingsforespørselen på nytt, eller med en annen betalingsmåte (P5).
    Pay {
        number: String,
        /// vipps, kort, klarna_faktura eller klarna_delbetaling.
        #[arg(long)]
        method: String,
    },
    /// Sender ordrebekreftelsen på e-post på nytt, eventuelt til en rettet adresse.
    ResendEmail {
        number: String,
        #[arg(long, default_value = "")]
        email: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let now = cli.now.unwrap_or_else(Utc::now);
    match run(cli.command, &data_dir, now).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("feil: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, data_dir: &Path, now: chrono::DateTime<Utc>) -> Result<(), DeskError> {
    if let Command::DemoCatalog {
        count,
        output: Some(path),
    } = &command
    {
        return write_demo_catalog(path, *count, now);
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
    let desk = Desk::open(data_dir).await?;
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
            let placed = desk
                .place_order(id.unwrap_or_else(uuid::Uuid::new_v4), &draft, now)
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
            for o in orders {
                let placed = skranke_desk::oslo_time(o.placed_at_utc);
                println!(
                    "{:<14} {}  {:<30} {:<12} {:>14}  {}",
                    o.order_number,
                    placed.format("%d.%m.%Y %H:%M"),
                    truncate(&o.customer_name, 30),
                    o.customer_phone,
                    o.total.to_string().replace('\u{a0}', " "),
                    if o.synced {
                        "synkronisert"
                    } else {
                        "ikke sendt ennå"
                    }
                );
            }
        }
        Command::Order(OrderCommand::Show { number }) => print_order(&desk.show_order(&number).await?),
        Command::Order(OrderCommand::Pay { number, method }) => {
            desk.request_payment(&number, &method, now).await?;
            println!("Ny betalingsforespørsel for {number} sendes med neste synkronisering.");
        }
        Command::Order(OrderCommand::ResendEmail { number, email }) => {
            desk.resend_confirmation(&number, &email, now).await?;
            println!("Ordrebekreftelsen for {number} sendes på nytt med neste synkronisering.");
        }
        Command::Pdf(PdfCommand::Confirmation { order, open, print }) => {
            let path = desk.confirmation_pdf(&order).await?;
            println!("Ordrebekreftelse skrevet til {}", path.display());
            show(&path, open, print)?;
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
                received,
            };
            let registered = desk
                .register_return(&order, id.unwrap_or_else(uuid::Uuid::now_v7), &draft, now)
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
            println!("Returseddel skrevet til {}", registered.slip.display());
            show(&registered.slip, open, print)?;
        }
        Command::Demo => demo(&desk, now).await?,
        Command::Sync(c) => sync(&desk, c, now).await?,
        Command::Audit(AuditCommand::Verify) => {
            let entries = desk.verify_audit_log().await?;
            println!("Revisjonsloggen er i orden: {entries} hendelser, kjeden er hel.");
        }
        // Handled above, before the desk is opened: its point is a desk that cannot be.
        Command::Key(KeyCommand::Reset { .. }) => {}
        Command::Customer(CustomerCommand::Export { phone, output }) => {
            let data = desk.customer_export(&phone, now).await?;
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
            let report = desk.forget_customer(&phone, now).await?;
            for line in skranke_desk::forget_report_lines(&report) {
                println!("{line}");
            }
        }
    }
    Ok(())
}

async fn sync(desk: &Desk, command: SyncCommand, now: chrono::DateTime<Utc>) -> Result<(), DeskError> {
    let local = |t: chrono::DateTime<Utc>| skranke_desk::oslo_time(t).format("%d.%m.%Y %H:%M").to_string();
    match command {
        SyncCommand::Pair { url, code, name } => {
            let p = desk.pair(&url, &code, &name, now).await?;
            println!(
                "Paret med {} ({}). Nye ordrer nummereres {}-000001 og videre.",
                p.store_name, p.store_id, p.series
            );
        }
        SyncCommand::Now => {
            let r = desk
                .sync_now(|stream, n| {
                    if n >= 5_000 {
                        eprintln!("Henter {}: {n} endringer …", skranke_desk::stream_name(stream));
                    }
                })
                .await?;
            let pulled: Vec<String> = r
                .pulled
                .iter()
                .map(|(s, n)| format!("{} {n}", skranke_desk::stream_name(*s)))
                .collect();
            println!(
                "Kvittert av sentralen: {}. Hentet: {}.",
                r.acknowledged,
                pulled.join(", ")
            );
            for number in &r.needs_attention {
                println!("Må følges opp: {number}");
            }
        }
        SyncCommand::Status => {
            let s = desk.sync_state().await?;
            match &s.paired {
                Some(p) => println!(
                    "Paret med {} ({}, serie {}) på {}",
                    p.store_name, p.store_id, p.series, p.central_url
                ),
                None => println!("Ikke paret med en sentral."),
            }
            match s.oldest_pending_at {
                Some(t) => println!("Ikke sendt: {} (eldste fra {})", s.pending, local(t)),
                None => println!("Ikke sendt: 0"),
            }
            match s.last_good_sync_at {
                Some(t) => println!("Sist synkronisert: {}", local(t)),
                None => println!("Sist synkronisert: aldri"),
            }
        }
    }
    Ok(())
}

fn print_order(stored: &skranke_desk::StoredOrder) {
    let o = &stored.order;
    let money = |m: skranke_core::Money| m.to_string().replace('\u{a0}', " ");
    println!(
        "Ordre {}  ({})",
        stored.order_number,
        if stored.synced {
            "synkronisert"
        } else {
            "ikke sendt ennå"
        }
    );
    println!("Dato: {}", o.placed_at.format("%d.%m.%Y %H:%M"));
    let status =
        skranke_core::OrderStatus::from_code(&stored.status).map_or(stored.status.as_str(), |s| s.text());
    match &stored.tracking_number {
        Some(t) => println!("Status: {status} (sporingsnummer {t})"),
        None => println!("Status: {status}"),
    }
    if let Some(message) = &stored.central_message {
        println!("Avvist av sentralen: {message}");
    }
    for flag in &stored.central_flags {
        println!("Merknad fra sentralen: {}", skranke_desk::flag_text(flag));
    }
    println!(
        "Kunde: {}, {}{}",
        o.customer.name,
        o.customer.phone,
        o.customer
            .email
            .as_ref()
            .map(|e| format!(", {e}"))
            .unwrap_or_default()
    );
    println!("Levering til: {}", o.delivery_address.lines().join(", "));
    println!("Fraktmåte: {} ({})", o.shipping.name, money(o.shipping.price));
    println!("Betaling: {}", skranke_desk::views::payment_state_text(stored));
    println!("E-post: {}", skranke_desk::views::email_text(stored));
    if let Some(m) = &stored.followup_message {
        println!("Avvist av sentralen: {m}");
    }
    println!();
    for line in &o.lines {
        println!(
            "  {:<12} {:<45} {:>3} × {:>12} = {:>12}",
            line.sku,
            truncate(&line.name, 45),
            line.quantity,
            money(line.unit_price),
            money(line.line_total)
        );
        println!(
            "  {:<12} {} Levering: {}",
            "",
            line.availability.text(),
            line.promise.text()
        );
    }
    println!();
    println!(
        "Varer: {}   Frakt: {}   Totalt: {}",
        money(o.totals.goods),
        money(o.totals.shipping),
        money(o.totals.total)
    );
    for m in &o.totals.mva {
        println!(
            "  herav MVA {} %: {} (av {})",
            m.rate.percent(),
            money(m.mva),
            money(m.total_incl)
        );
    }
    if let Some(note) = o.totals.mva_note() {
        println!("  {note}");
    }
    if let Some(check) = &o.age_check {
        println!(
            "Alder (F6): {} Registrert av {}.",
            check.text(),
            o.placed_by.as_deref().unwrap_or("ukjent")
        );
    }
    println!("Leveringsløfte: {}", o.promise.text());
    if let Some((_, latest)) = o.promise.window {
        println!("  seneste levering {}", weekday_date(latest));
    }
}

/// The README's run command before the window exists: a demo catalog, a search and one example order.
async fn demo(desk: &Desk, now: chrono::DateTime<Utc>) -> Result<(), DeskError> {
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
            "address": { "line1": "Storgata 1", "postcode": "0155" }
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
    let placed = desk.place_order(uuid::Uuid::new_v4(), &draft, now).await?;
    println!("\nEksempelordre {} plassert.", placed.order_number);
    print_order(&desk.show_order(&placed.order_number).await?);
    println!("\nDatamappe: {}", desk.data_dir().display());
    Ok(())
}

fn write_demo_catalog(path: &Path, count: usize, now: chrono::DateTime<Utc>) -> Result<(), DeskError> {
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

fn show(path: &Path, open: bool, print: bool) -> Result<(), DeskError> {
    if open {
        skranke_desk::open_document(path)?;
    }
    if print {
        skranke_desk::print_document(path)?;
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

fn progress(done: u64, total: u64) {
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    eprint!("\r  {done} av {total} produkter ({percent} %)");
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
