//! `skranke-central`: the central store's server and its operator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};
use skranke_central::config::Config;
use skranke_central::feed_import::{import_file, Completeness};
use skranke_core::OrderStatus;
use skranke_protocol::SetStatusRequest;

#[derive(Parser)]
#[command(
    name = "skranke-central",
    version,
    about = "Skrankes sentral: katalog, ordrer og synkronisering"
)]
struct Cli {
    /// Configuration file (TOML); default skranke-central.toml when it exists.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrates the database, then serves the API.
    Serve,
    /// Brings the database schema up to date.
    Migrate,
    /// Imports a Google Merchant feed (TSV/XML), a local inventory feed, or the desk's CSV/JSON lines.
    ImportFeed {
        file: PathBuf,
        /// The file updates some products only: do not delete the ones missing from it.
        #[arg(long)]
        partial: bool,
    },
    /// Stores (shops) the desks belong to.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Prints a one-time code that pairs a desk with a store.
    PairingCode {
        #[arg(long)]
        store: String,
        /// Minutes the code stays valid (default from the configuration, 60).
        #[arg(long)]
        minutes: Option<i64>,
    },
    /// Orders.
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
    /// Checks the audit logs: the central store's chain, and the desks' entries as they arrived.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Personvern (F8): alt sentralen har om en kunde, eller slett det loven ikke krever.
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Desks: revoke a stolen or retired desk's access.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Units in stock per store, for products that run low (issue 20: held while a customer pays).
    Stock {
        #[command(subcommand)]
        command: StockCommand,
    },
    /// Staff who log in at the desks with a PIN.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The back office's users (the first from here, the rest in the page).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The desk's signed packages, offered to the desks as updates.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
    /// Signed webhooks with every order event, to the shop's other systems.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Tokens for the order-event pull API (GET /v1/integration/orders).
    IntegrationToken {
        #[command(subcommand)]
        command: IntegrationTokenCommand,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Sends every order event from now on to URL; prints the signing secret (once).
    Add { url: String },
}

#[derive(Subcommand)]
enum IntegrationTokenCommand {
    /// Makes a token that reads the order events and nothing else; prints it (once).
    Add { name: String },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a user, or gives one a new password and role: `user add --role leder "Lise"`. The
    /// password is read from standard input (one line), never from the command line.
    Add {
        #[arg(long)]
        role: String,
        name: String,
    },
}

#[derive(Subcommand)]
enum ReleaseCommand {
    /// Publishes a package `tauri bundle` made, with the `.sig` beside it: `release add Skranke_0.2.0_amd64.deb`.
    Add {
        file: PathBuf,
        /// The version, when the signature does not say it (it must agree when it does).
        #[arg(long)]
        version: Option<String>,
        /// What is new, as staff read it in the update prompt.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Holds a store's desks at a version (an older one rolls them back): `release pin --store OSL 0.1.0`.
    Pin {
        #[arg(long)]
        store: String,
        version: String,
    },
    /// Lets a store's desks follow the newest release again.
    Unpin {
        #[arg(long)]
        store: String,
    },
    /// Takes a release back; desks on it are offered the newest one still out.
    Withdraw { version: String },
    /// The published packages.
    List,
}

#[derive(Subcommand)]
enum CustomerCommand {
    /// Skriver alt sentralen har om kunden med dette telefonnummeret, som JSON.
    Export { phone: String },
    /// Slår sammen to kort for samme kunde: ordrer og samtykker flyttes til kortet som beholdes.
    Merge {
        /// Kortet som slås inn i det andre: kunde-id eller telefonnummer.
        #[arg(long)]
        from: String,
        /// Kortet som beholdes: kunde-id eller telefonnummer.
        #[arg(long)]
        into: String,
        #[arg(long)]
        store: String,
    },
    /// Sletter kunden: salg eldre enn oppbevaringstiden (fem år etter regnskapsåret) og kunderegisteret.
    Forget {
        phone: String,
        /// Bekreft slettingen (den kan ikke angres).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Refuses the desk with this order series from now on: `device revoke OSL2`.
    Revoke { series: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes the chain; exits 1 and names the entry when something was changed.
    Verify,
}

#[derive(Subcommand)]
enum StockCommand {
    /// Sets what a store has: `stock set --store OSL --sku KJK-001011 --units 2`.
    Set {
        #[arg(long)]
        store: String,
        #[arg(long)]
        sku: String,
        #[arg(long)]
        units: i32,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Adds a person (or gives them a new PIN): `staff add --store OSL --name "Kari" --pin 4821`.
    Add {
        #[arg(long)]
        store: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        pin: String,
        /// `selger` (the default) or `leder`: a leder approves discounts above a seller's limit.
        #[arg(long, default_value = "selger")]
        role: String,
    },
    /// Takes a person's access away at every desk of the store.
    Deactivate {
        #[arg(long)]
        store: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Adds a store (or renames it): `store add OSL "Skranke Oslo"`.
    Add { id: String, name: String },
}

#[derive(Subcommand)]
enum OrderCommand {
    /// Sets an order's status: under_behandling, sendt (with --tracking), levert or kansellert.
    SetStatus {
        order: String,
        status: String,
        #[arg(long)]
        tracking: Option<String>,
    },
    /// The warehouse has a return's goods: its refund follows (`order receive-return OSL1-000042 1`).
    ReceiveReturn { order: String, return_no: i64 },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        // Colours for a terminal only; a log file or journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("feil: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("feil: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::load(cli.config.as_deref())?;
    let pool = skranke_central::connect(config.database_url()?, config.max_connections)
        .await
        .map_err(|e| format!("kan ikke koble til databasen: {e}"))?;
    let api = |e: skranke_central::ApiError| e.body.message;
    match cli.command {
        Command::Serve => {
            skranke_central::migrate(&pool).await.map_err(|e| e.to_string())?;
            serve(&config, pool).await
        }
        Command::Migrate => {
            skranke_central::migrate(&pool).await.map_err(|e| e.to_string())?;
            println!("Databasen er oppdatert.");
            Ok(())
        }
        Command::ImportFeed { file, partial } => {
            let completeness = if partial {
                Completeness::Partial
            } else {
                Completeness::Complete
            };
            let r = import_file(&pool, &file, completeness, Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Lest {} varer: {} nye, {} endret, {} uendret, {} slettet; tilgjengelighet endret for {}.",
                r.products_read, r.inserted, r.updated, r.unchanged, r.deleted, r.availability_changed
            );
            Ok(())
        }
        Command::Store {
            command: StoreCommand::Add { id, name },
        } => {
            skranke_central::pairing::add_store(&pool, &id, &name)
                .await
                .map_err(api)?;
            println!("Butikken {} er lagret.", id.to_uppercase());
            Ok(())
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    store,
                    name,
                    pin,
                    role,
                },
        } => {
            let role = skranke_core::discount::StaffRole::parse(&role)
                .ok_or_else(|| format!("Ukjent rolle «{role}»: bruk selger eller leder."))?;
            skranke_central::staff::set_staff(&pool, &store, &name, &pin, chrono::Utc::now())
                .await
                .map_err(api)?;
            skranke_central::staff::set_staff_role(&pool, &store, &name, role, chrono::Utc::now())
                .await
                .map_err(api)?;
            println!("{name} kan logge inn i {} med PIN-en sin.", store.to_uppercase());
            Ok(())
        }
        Command::Stock {
            command: StockCommand::Set { store, sku, units },
        } => {
            skranke_central::stock::set_stock(&pool, &store, &sku, units, chrono::Utc::now())
                .await
                .map_err(api)?;
            println!("{} har {units} stk. av {sku}.", store.to_uppercase());
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::Deactivate { store, name },
        } => {
            skranke_central::staff::deactivate_staff(&pool, &store, &name, chrono::Utc::now())
                .await
                .map_err(api)?;
            println!("{name} kan ikke lenger logge inn i {}.", store.to_uppercase());
            Ok(())
        }
        Command::Device {
            command: DeviceCommand::Revoke { series },
        } => {
            let name = skranke_central::pairing::revoke_device(&pool, &series, Utc::now())
                .await
                .map_err(api)?;
            println!(
                "Skranken «{name}» ({}) er sperret; den må pares på nytt.",
                series.to_uppercase()
            );
            Ok(())
        }
        Command::Customer { command } => customer(&pool, command).await,
        Command::Release { command } => release(&pool, command).await,
        Command::Webhook {
            command: WebhookCommand::Add { url },
        } => {
            let (_, secret) = skranke_central::outbound_webhooks::add_endpoint(&pool, &url, Utc::now())
                .await
                .map_err(api)?;
            println!("{secret}");
            eprintln!(
                "Hemmeligheten over signerer hver levering (Skranke-Signature). Den vises bare nå: ta vare på den."
            );
            Ok(())
        }
        Command::IntegrationToken {
            command: IntegrationTokenCommand::Add { name },
        } => {
            let token = skranke_central::outbound_webhooks::add_pull_token(&pool, &name, Utc::now())
                .await
                .map_err(api)?;
            println!("{token}");
            eprintln!("Nøkkelen over leser ordrehendelsene og ikke noe annet. Den vises bare nå.");
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { role, name },
        } => {
            use skranke_central::office::accounts::{add_user, Role};
            let role =
                Role::parse(&role).ok_or_else(|| format!("ukjent rolle «{role}»: bruk lager eller leder"))?;
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!("Passord for {name} (minst 10 tegn), så Enter:");
            }
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| format!("kan ikke lese passordet: {e}"))?;
            let who = format!(
                "kommandolinjen ({})",
                std::env::var("USER").unwrap_or_else(|_| "ukjent".into())
            );
            add_user(
                &pool,
                &name,
                role,
                password.trim_end_matches(['\r', '\n']),
                &who,
                Utc::now(),
            )
            .await
            .map_err(api)?;
            println!("{name} kan logge inn i kontoret som {}.", role.code());
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let report = skranke_central::audit::verify(&pool)
                .await
                .map_err(|e| e.to_string())?;
            if let Some((seq, reason)) = report.central_broken {
                return Err(format!("Revisjonsloggen er endret: hendelse {seq} {reason}."));
            }
            println!(
                "Revisjonsloggen er i orden: {} hendelser. Brudd i skrankenes logger: {}.",
                report.central_entries, report.desk_breaks
            );
            if report.desk_breaks > 0 {
                return Err("Noen skranker har sendt en revisjonslogg som er endret.".into());
            }
            Ok(())
        }
        Command::PairingCode { store, minutes } => {
            let minutes = minutes.unwrap_or(config.pairing_code_minutes);
            let code = skranke_central::pairing::create_code(
                &pool,
                &store,
                chrono::Duration::minutes(minutes),
                Utc::now(),
            )
            .await
            .map_err(api)?;
            println!("{code}");
            eprintln!("Koden gjelder i {minutes} minutter og kan brukes én gang.");
            Ok(())
        }
        Command::Order {
            command: OrderCommand::ReceiveReturn { order, return_no },
        } => {
            let who = format!(
                "kommandolinjen ({})",
                std::env::var("USER").unwrap_or_else(|_| "ukjent".into())
            );
            match skranke_central::return_receipt::mark_received(&pool, &order, return_no, &who, Utc::now())
                .await
                .map_err(api)?
            {
                skranke_central::return_receipt::Receipt::Received { refund } => {
                    println!("Retur {return_no} på {order} er mottatt; {refund} betales tilbake.")
                }
                skranke_central::return_receipt::Receipt::AlreadyReceived => {
                    println!("Retur {return_no} på {order} var allerede mottatt.")
                }
            }
            Ok(())
        }
        Command::Order {
            command:
                OrderCommand::SetStatus {
                    order,
                    status,
                    tracking,
                },
        } => {
            let status = OrderStatus::from_code(status.trim()).ok_or_else(|| {
                format!("ukjent status «{status}»: bruk under_behandling, sendt, levert eller kansellert")
            })?;
            let req = SetStatusRequest {
                status,
                tracking_number: tracking,
            };
            // Who ran the command is what the audit log records.
            let who = format!(
                "kommandolinjen ({})",
                std::env::var("USER").unwrap_or_else(|_| "ukjent".into())
            );
            let row = skranke_central::order_status::set_status(&pool, &order, &req, &who, Utc::now())
                .await
                .map_err(api)?;
            println!(
                "{}: {}{}",
                row.order_number,
                row.status_text,
                row.tracking_number
                    .map(|t| format!(" (sporing {t})"))
                    .unwrap_or_default()
            );
            Ok(())
        }
    }
}

async fn serve(config: &Config, pool: sqlx::PgPool) -> Result<(), String> {
    let mut state = skranke_central::AppState::with_integrations(
        pool,
        config.admin_token_sha256.clone(),
        config.integrations()?,
    );
    if let Some(limit) = config.rate_limit {
        state.limits = std::sync::Arc::new(skranke_central::rate_limit::RateLimits::new(
            limit.device_per_second,
            limit.device_burst,
        ));
    }
    tokio::spawn(skranke_central::workers::run(state.clone()));
    let app = skranke_central::router(state);
    if let Some(tls) = &config.tls {
        return serve_tls(config, tls, app).await;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("kan ikke lytte på {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!("skranke-central lytter på http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// HTTPS with the configured certificate chain and key (PEM), through rustls.
async fn serve_tls(
    config: &Config,
    tls: &skranke_central::config::TlsConfig,
    app: axum::Router,
) -> Result<(), String> {
    // Only ring is compiled in; installing it fails only when a provider is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rustls_config =
        axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.certificate, &tls.private_key)
            .await
            .map_err(|e| {
                format!(
                    "kan ikke lese sertifikatet {} eller nøkkelen {}: {e}",
                    tls.certificate.display(),
                    tls.private_key.display()
                )
            })?;
    let handle = axum_server::Handle::new();
    let announce = handle.clone();
    tokio::spawn(async move {
        if let Some(addr) = announce.listening().await {
            eprintln!("skranke-central lytter på https://{addr}");
        }
    });
    let stop = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    // Manifests name the package's address with the scheme desks reach this server by.
    let app = app.layer(axum::Extension(skranke_central::desk_updates::PublicScheme(
        "https",
    )));
    axum_server::bind_rustls(config.listen, rustls_config)
        .handle(handle)
        .serve(app.into_make_service())
        .await
        .map_err(|e| format!("kan ikke lytte på {}: {e}", config.listen))
}

async fn release(pool: &sqlx::PgPool, command: ReleaseCommand) -> Result<(), String> {
    use skranke_central::desk_updates;
    let api = |e: skranke_central::ApiError| e.body.message;
    match command {
        ReleaseCommand::Add { file, version, notes } => {
            let mut release = desk_updates::NewRelease::from_file(&file, version.as_deref())?;
            release.notes = notes;
            desk_updates::add_release(pool, &release, Utc::now())
                .await
                .map_err(api)?;
            println!(
                "Versjon {} er publisert for {}-{} ({}).",
                release.version, release.target, release.arch, release.bundle_type
            );
        }
        ReleaseCommand::Pin { store, version } => {
            desk_updates::pin_store(pool, &store, Some(&version), Utc::now())
                .await
                .map_err(api)?;
            println!(
                "Skrankene i {} holdes på versjon {version}.",
                store.to_uppercase()
            );
        }
        ReleaseCommand::Unpin { store } => {
            desk_updates::pin_store(pool, &store, None, Utc::now())
                .await
                .map_err(api)?;
            println!("Skrankene i {} får nyeste versjon.", store.to_uppercase());
        }
        ReleaseCommand::Withdraw { version } => {
            desk_updates::withdraw_release(pool, &version, Utc::now())
                .await
                .map_err(api)?;
            println!("Versjon {version} er trukket tilbake.");
        }
        ReleaseCommand::List => {
            for r in desk_updates::list_releases(pool).await.map_err(api)? {
                println!(
                    "{}\t{}\t{}\t{} kB{}{}",
                    r.version,
                    r.platform,
                    r.file_name,
                    r.bytes / 1024,
                    if r.withdrawn { "\ttrukket tilbake" } else { "" },
                    if r.pinned_stores.is_empty() {
                        String::new()
                    } else {
                        format!("\tholder {}", r.pinned_stores.join(", "))
                    }
                );
            }
        }
    }
    Ok(())
}

async fn customer(pool: &sqlx::PgPool, command: CustomerCommand) -> Result<(), String> {
    let parse = |text: &str| {
        skranke_core::PhoneNumber::parse(text)
            .map(|p| p.e164())
            .map_err(|e| format!("telefonnummeret «{text}»: {e}"))
    };
    match command {
        CustomerCommand::Merge { from, into, store } => {
            let id = |text: String| {
                let store = store.clone();
                async move {
                    if let Ok(id) = uuid::Uuid::parse_str(text.trim()) {
                        return Ok(id);
                    }
                    let found =
                        skranke_central::customer_merge::customer_by_phone(pool, &store, &parse(&text)?)
                            .await
                            .map_err(|e| e.body.message)?;
                    match found.as_slice() {
                        [one] => Ok(*one),
                        [] => Err(format!(
                            "ingen kunde med telefon {text} i {}",
                            store.to_uppercase()
                        )),
                        _ => Err(format!("flere kunder har telefon {text}: bruk kunde-id")),
                    }
                }
            };
            let (from, into) = (id(from).await?, id(into).await?);
            let report = skranke_central::customer_merge::merge_customers(
                pool,
                &store,
                from,
                into,
                "kommandolinjen",
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| e.body.message)?;
            println!(
                "Kundene er slått sammen: {} ordrer og {} samtykker flyttet til {into}.",
                report.orders, report.consents
            );
            Ok(())
        }
        CustomerCommand::Export { phone } => {
            let data = skranke_central::personal_data::customer_export(pool, &parse(&phone)?)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&data).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        CustomerCommand::Forget { phone, yes } => {
            if !yes {
                return Err(format!(
                    "slettingen kan ikke angres: kjør på nytt med --yes for å slette kunden {phone}"
                ));
            }
            let now = Utc::now();
            let today = now.with_timezone(&chrono_tz::Europe::Oslo).date_naive();
            let who = format!(
                "kommandolinjen ({})",
                std::env::var("USER").unwrap_or_else(|_| "ukjent".into())
            );
            let report =
                skranke_central::personal_data::forget_customer(pool, &parse(&phone)?, today, &who, now)
                    .await
                    .map_err(|e| e.to_string())?;
            println!(
                "Kunderegisteret: {} oppføring(er) slettet.",
                report.customers_erased
            );
            for number in &report.orders_erased {
                println!("{}", skranke_core::retention::erased_text(number));
            }
            for (number, until) in &report.orders_kept {
                println!("{}", skranke_core::retention::kept_text(number, *until));
            }
            Ok(())
        }
    }
}
