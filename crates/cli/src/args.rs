//! The command line: what `skranke` accepts, with its help texts in Norwegian.

use std::path::PathBuf;

use chrono::Utc;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "skranke",
    version,
    about = "Skranke: ordreskranken for telefonordrer (uten vindu)"
)]
pub(crate) struct Cli {
    /// Datamappen (standard: SKRANKE_DATA_DIR eller operativsystemets datamappe).
    #[arg(long, global = true, value_name = "MAPPE")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Hvem som handler: navnet i listen over ansatte. PIN-en spørres om i terminalen (eller leses fra
    /// SKRANKE_PIN i skript). Kreves for alt som endrer, skriver ut eller eksporterer.
    #[arg(
        long,
        global = true,
        env = "SKRANKE_STAFF",
        value_name = "NAVN",
        conflicts_with = "service"
    )]
    pub(crate) staff: Option<String>,
    /// En navngitt tjeneste for skript uten en person (for eksempel en nattlig eksport); står som
    /// «tjeneste NAVN» i revisjonsloggen.
    #[arg(long, global = true, env = "SKRANKE_SERVICE", value_name = "NAVN")]
    pub(crate) service: Option<String>,
    /// The time to act at (RFC 3339) instead of the clock: for tests and reproducible demos.
    #[arg(long, global = true, hide = true)]
    pub(crate) now: Option<chrono::DateTime<Utc>>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// Tar en sikkerhetskopi av databasen mens skranken kjører (og nøkkelen i FIL.key ved siden av).
    Backup { file: PathBuf },
    /// Legger en sikkerhetskopi tilbake i en tom datamappe (ny maskin). Skranken får en ny
    /// ordreserie og må kobles til sentralen på nytt, så ingen ordrenumre brukes to ganger.
    Restore {
        file: PathBuf,
        /// Nøkkelfilen (ellers FIL.key).
        #[arg(long, value_name = "FIL")]
        key: Option<PathBuf>,
        /// Gjenopprett uten nøkkelen: fødselsnumre som ikke er sendt og utkastet slettes.
        #[arg(long = "uten-nokkel")]
        without_key: bool,
    },
    /// Lager en feilsøkingspakke (zip) med loggene, versjonen, synkstatusen og en
    /// integritetssjekk av databasen, uten kundedata.
    SupportBundle {
        /// Mappen pakken skrives til (ellers feilsøkingspakker/ i datamappen).
        #[arg(long, value_name = "MAPPE")]
        out: Option<PathBuf>,
    },
    /// Skrivere: systemets skrivere og den denne skranken skriver ut på.
    #[command(subcommand)]
    Printer(PrinterCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum PrinterCommand {
    /// Viser systemets skrivere; den skranken bruker er merket.
    List,
    /// Velger skriveren denne skranken skriver ut på (husket i databasen).
    Choose {
        /// Skriverens navn slik `skranke printer list` viser det.
        #[arg(required_unless_present = "system_default")]
        name: Option<String>,
        /// Bruk systemets standardskriver.
        #[arg(long = "standard", conflicts_with = "name")]
        system_default: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Når nøkkelen er tapt for godt: lager en ny. Fødselsnumre som ikke er sendt og utkastet kan
    /// ikke leses av noen lenger og slettes; ordrene er som før.
    Reset {
        /// Bekreft (kan ikke angres).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CustomerCommand {
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
pub(crate) enum AuditCommand {
    /// Regner ut hele kjeden på nytt; feiler (kode 1) og peker på hendelsen hvis noe er endret.
    Verify,
    /// Viser de nyeste hendelsene: når, hvem, hva.
    Show {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SyncCommand {
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
pub(crate) enum PdfCommand {
    /// Skriver ordrebekreftelsen til datamappen.
    Confirmation {
        order: String,
        /// Åpne PDF-en i systemets PDF-leser.
        #[arg(long)]
        open: bool,
        /// Skriv ut på skriveren skranken bruker (se `skranke printer`).
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
pub(crate) enum OrderCommand {
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
    /// Endrer en ordre som ikke er sendt (ny versjon); varene på ordren beholder prisen kunden fikk.
    Change {
        number: String,
        /// Legg til en vare: VARENR eller VARENR:ANTALL (kan gjentas).
        #[arg(long = "add", value_name = "VARENR[:ANTALL]")]
        add: Vec<String>,
        /// Fjern en vare (kan gjentas).
        #[arg(long = "remove", value_name = "VARENR")]
        remove: Vec<String>,
        /// Nytt antall: VARENR:ANTALL (kan gjentas).
        #[arg(long = "quantity", value_name = "VARENR:ANTALL")]
        quantity: Vec<String>,
        /// Ny leveringsadresse (første linje).
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        postcode: Option<String>,
        /// Fraktmåte (for eksempel servicepakke, hjemlevering).
        #[arg(long)]
        shipping: Option<String>,
        /// Betalingsmåte (bare før noe er betalt).
        #[arg(long)]
        payment: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// Gi hele ordren dagens priser.
        #[arg(long)]
        reprice: bool,
        /// Vis hva som endres, uten å lagre.
        #[arg(long)]
        dry_run: bool,
    },
    /// Registrerer en reklamasjon eller transportskade på en sendt ordre, med bilder, og skriver
    /// bekreftelsen; sier om den er i tide (R1, D10).
    Claim {
        number: String,
        /// reklamasjon eller transportskade.
        #[arg(long)]
        kind: String,
        /// Linje:antall, for eksempel 1:1 (kan gjentas).
        #[arg(long = "line", value_name = "LINJE:ANTALL", required = true)]
        lines: Vec<String>,
        /// Hva er galt, med kundens ord.
        #[arg(long)]
        description: String,
        /// Når kunden oppdaget feilen (dd.mm.åååå).
        #[arg(long)]
        discovered: String,
        /// Når varen ble mottatt (dd.mm.åååå, gjerne med tt:mm).
        #[arg(long)]
        received: String,
        /// Varen er ment å vare vesentlig lenger enn to år (femårsfristen).
        #[arg(long)]
        long_lasting: bool,
        /// Et bilde (JPEG, PNG eller HEIC; kan gjentas, høyst 10).
        #[arg(long = "photo", value_name = "FIL")]
        photos: Vec<PathBuf>,
        /// Reklamasjonens id (UUID): samme id to ganger registrerer den bare én gang.
        #[arg(long)]
        id: Option<uuid::Uuid>,
    },
    /// Bytter varer på en sendt ordre: varene som sendes tilbake og de nye, i én registrering; kunden
    /// betaler eller får tilbake bare mellomlegget. Skriver bytteseddelen.
    Exchange {
        number: String,
        /// Tilbake: LINJE:ANTALL:ÅRSAK, for eksempel 1:1:feil_vare (kan gjentas).
        #[arg(long = "back", value_name = "LINJE:ANTALL:ÅRSAK", required = true)]
        back: Vec<String>,
        /// Ny vare: VARENR eller VARENR:ANTALL (kan gjentas).
        #[arg(long = "add", value_name = "VARENR[:ANTALL]", required = true)]
        add: Vec<String>,
        /// Vis oppgjøret, uten å lagre.
        #[arg(long)]
        dry_run: bool,
        /// Byttets id (UUID): samme id to ganger registrerer byttet bare én gang.
        #[arg(long)]
        id: Option<uuid::Uuid>,
    },
    /// Kansellerer en ordre som ikke er sendt; kunden får en bekreftelse på e-post.
    Cancel {
        number: String,
        /// Hvorfor kunden kansellerer.
        #[arg(long)]
        reason: String,
    },
}
