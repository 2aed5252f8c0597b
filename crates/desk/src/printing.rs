//! Printing through the platform's own print system: the printers it knows, the one staff chose for
//! this desk, and the job. CUPS (`lpstat`, `lp`) on Linux and macOS; on Windows, PowerShell's printer
//! list and the PDF reader's `PrintTo` verb, since Windows has no print command of its own for PDFs.
//! Both command lines are built on every platform so both are tested everywhere; which one runs is
//! chosen at compile time.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::staff::Acting;
use crate::{Desk, DeskError};

/// A printer the system offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Printer {
    pub name: String,
    /// The system's default printer (what prints when the desk has chosen none).
    pub system_default: bool,
}

/// The printers and this desk's choice, for Innstillinger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PrinterChoice {
    pub printers: Vec<Printer>,
    /// `None`: the system's default printer.
    pub chosen: Option<String>,
}

impl Desk {
    /// The system's printers and the one this desk remembers.
    pub async fn printers(&self) -> Result<PrinterChoice, DeskError> {
        Ok(PrinterChoice {
            printers: system_printers()?,
            chosen: self.cache().chosen_printer().await?,
        })
    }

    /// Remembers `printer` for this desk (`None`: the system's default). A name the system does not
    /// know is refused, so a typo never becomes the place every confirmation goes.
    pub async fn choose_printer(
        &self,
        who: &Acting,
        printer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        if let Some(name) = printer {
            let known = system_printers()?;
            if !known.iter().any(|p| p.name == name) {
                return Err(DeskError::Printing(format!(
                    "skriveren «{name}» finnes ikke på denne maskinen (kjente skrivere: {})",
                    names(&known)
                )));
            }
        }
        self.as_actor(who);
        self.cache().choose_printer(printer).await?;
        self.cache()
            .record_audit(
                "skriver valgt",
                printer.unwrap_or("systemets standardskriver"),
                now,
            )
            .await?;
        Ok(())
    }

    /// Prints `path` on this desk's printer, or the system's default when none is chosen. Returns
    /// the printer's name as staff should hear it.
    pub async fn print_document(&self, path: &Path) -> Result<String, DeskError> {
        let chosen = self.cache().chosen_printer().await?;
        print_file(path, chosen.as_deref())?;
        Ok(chosen.unwrap_or_else(|| "standardskriveren".to_string()))
    }
}

fn names(printers: &[Printer]) -> String {
    if printers.is_empty() {
        return "ingen".to_string();
    }
    printers
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The printers the system offers, the default first.
pub fn system_printers() -> Result<Vec<Printer>, DeskError> {
    let mut printers = platform::list()?;
    printers.sort_by(|a, b| b.system_default.cmp(&a.system_default).then(a.name.cmp(&b.name)));
    Ok(printers)
}

/// Sends `path` to `printer`, or to the system's default.
pub fn print_file(path: &Path, printer: Option<&str>) -> Result<(), DeskError> {
    let command = platform::print_command(path, printer);
    run(command, "utskriften feilet").map(|_| ())
}

/// Runs `command`; its standard output when it succeeded, else a Printing error with what it said.
fn run(mut command: Command, failed: &str) -> Result<String, DeskError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = command.output().map_err(|e| {
        DeskError::Printing(format!(
            "kan ikke skrive ut: {program} finnes ikke på denne maskinen ({e}). Er utskrift (CUPS) \
             installert?"
        ))
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(DeskError::Printing(format!(
            "{failed}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// CUPS: `lp -d PRINTER -- FILE`, or without `-d` for the default. The C locale keeps what `lpstat`
/// says parseable whatever language the desk runs in.
pub fn cups_print_command(path: &Path, printer: Option<&str>) -> Command {
    let mut command = Command::new("lp");
    command.env("LC_ALL", "C");
    if let Some(name) = printer {
        command.arg("-d").arg(name);
    }
    // "--" so a file name starting with a dash is never read as an option.
    command.arg("--").arg(path);
    command
}

/// CUPS's printer names (`lpstat -e`) and its default (`lpstat -d`, "system default destination:
/// NAME" in the C locale; "no system default destination" when none is set).
pub fn parse_cups_printers(names: &str, default: &str) -> Vec<Printer> {
    let default = default
        .lines()
        .find_map(|l| l.strip_prefix("system default destination:"))
        .map(str::trim);
    names
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| Printer {
            name: name.to_string(),
            system_default: Some(name) == default,
        })
        .collect()
}

/// Windows: the PDF reader prints through its `PrintTo` verb (or `Print` for the default printer),
/// started by PowerShell so the printer's name needs no quoting of our own beyond PowerShell's.
pub fn windows_print_command(path: &Path, printer: Option<&str>) -> Command {
    let mut command = Command::new("powershell.exe");
    command.args(["-NoProfile", "-NonInteractive", "-Command"]);
    let file = powershell_quoted(path.as_os_str());
    let script = match printer {
        Some(name) => format!(
            "Start-Process -FilePath {file} -Verb PrintTo -ArgumentList {} -WindowStyle Hidden",
            powershell_quoted(OsStr::new(&format!("\"{name}\"")))
        ),
        None => format!("Start-Process -FilePath {file} -Verb Print -WindowStyle Hidden"),
    };
    command.arg(script);
    command
}

/// Windows's printers, one per line as `True|False<TAB>name` (the script in `windows_list_command`).
pub fn parse_windows_printers(out: &str) -> Vec<Printer> {
    out.lines()
        .filter_map(|l| l.trim_end_matches('\r').split_once('\t'))
        .map(|(default, name)| Printer {
            name: name.to_string(),
            system_default: default.eq_ignore_ascii_case("true"),
        })
        .collect()
}

pub fn windows_list_command() -> Command {
    let mut command = Command::new("powershell.exe");
    command.args([
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        "Get-CimInstance Win32_Printer | ForEach-Object { \"$($_.Default)`t$($_.Name)\" }",
    ]);
    command
}

/// A PowerShell single-quoted string: nothing inside is expanded; a quote is doubled.
fn powershell_quoted(text: &OsStr) -> String {
    format!("'{}'", text.to_string_lossy().replace('\'', "''"))
}

#[cfg(not(windows))]
mod platform {
    use std::path::Path;
    use std::process::Command;

    use super::{cups_print_command, parse_cups_printers, run, Printer};
    use crate::DeskError;

    pub(super) fn list() -> Result<Vec<Printer>, DeskError> {
        let lpstat = |flag: &str| {
            let mut c = Command::new("lpstat");
            c.env("LC_ALL", "C").arg(flag);
            c
        };
        // With no scheduler, `lpstat -e` lists nothing and succeeds: that is not "no printers".
        let scheduler = run(lpstat("-r"), "skriverlisten kunne ikke hentes")?;
        if !scheduler.contains("scheduler is running") {
            return Err(DeskError::Printing(
                "skriverlisten kunne ikke hentes: utskriftstjenesten (CUPS) svarer ikke på denne \
                 maskinen"
                    .into(),
            ));
        }
        let names = run(lpstat("-e"), "skriverlisten kunne ikke hentes")?;
        // A system with printers but no default answers -d with an error status on some CUPS
        // versions; that is "no default", not a failure.
        let default = lpstat("-d")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        Ok(parse_cups_printers(&names, &default))
    }

    pub(super) fn print_command(path: &Path, printer: Option<&str>) -> Command {
        cups_print_command(path, printer)
    }
}

#[cfg(windows)]
mod platform {
    use std::path::Path;
    use std::process::Command;

    use super::{parse_windows_printers, run, windows_list_command, windows_print_command, Printer};
    use crate::DeskError;

    pub(super) fn list() -> Result<Vec<Printer>, DeskError> {
        let out = run(windows_list_command(), "skriverlisten kunne ikke hentes")?;
        Ok(parse_windows_printers(&out))
    }

    pub(super) fn print_command(path: &Path, printer: Option<&str>) -> Command {
        windows_print_command(path, printer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn cups_gets_the_chosen_printer_and_a_file_that_cannot_pass_for_an_option() {
        let c = cups_print_command(Path::new("-ordre.pdf"), Some("Kontor 2"));
        assert_eq!(c.get_program(), "lp");
        assert_eq!(args(&c), ["-d", "Kontor 2", "--", "-ordre.pdf"]);
        let c = cups_print_command(Path::new("/d/ordre.pdf"), None);
        assert_eq!(args(&c), ["--", "/d/ordre.pdf"]);
    }

    #[test]
    fn lpstat_in_the_c_locale_gives_the_printers_and_the_default() {
        let printers = parse_cups_printers("Kontor\nLager_2\n", "system default destination: Lager_2\n");
        assert_eq!(
            printers,
            [
                Printer {
                    name: "Kontor".into(),
                    system_default: false
                },
                Printer {
                    name: "Lager_2".into(),
                    system_default: true
                },
            ]
        );
        let none = parse_cups_printers("Kontor\n", "no system default destination\n");
        assert!(!none[0].system_default);
        assert!(parse_cups_printers("", "").is_empty());
    }

    #[test]
    fn windows_prints_through_the_pdf_readers_printto_verb_with_quotes_that_hold() {
        let c = windows_print_command(Path::new(r"C:\Skranke\Kari's ordre.pdf"), Some("HP på lager"));
        assert_eq!(c.get_program(), "powershell.exe");
        assert_eq!(
            args(&c),
            [
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                r#"Start-Process -FilePath 'C:\Skranke\Kari''s ordre.pdf' -Verb PrintTo -ArgumentList '"HP på lager"' -WindowStyle Hidden"#,
            ]
        );
        let c = windows_print_command(Path::new(r"C:\o.pdf"), None);
        assert_eq!(
            args(&c)[3],
            "Start-Process -FilePath 'C:\\o.pdf' -Verb Print -WindowStyle Hidden"
        );
    }

    #[test]
    fn windows_printer_list_lines_give_names_and_the_default() {
        let printers = parse_windows_printers("False\tMicrosoft Print to PDF\r\nTrue\tHP på lager\r\n");
        assert_eq!(
            printers,
            [
                Printer {
                    name: "Microsoft Print to PDF".into(),
                    system_default: false
                },
                Printer {
                    name: "HP på lager".into(),
                    system_default: true
                },
            ]
        );
    }
}
