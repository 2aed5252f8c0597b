//! Issue 17 item 5: printing through the system's own print service. A real CUPS scheduler of the
//! test's own, with two printers; the desk lists them, remembers the one staff chose, and its
//! confirmation lands on that printer and no other.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use skranke_e2e::central_process::DeskProcess;
use skranke_e2e::print_server::PrintServer;

fn run(desk: &DeskProcess, cups: &PrintServer, args: &[&str]) -> std::process::Output {
    desk.command(args)
        .env("CUPS_SERVER", cups.address())
        .output()
        .unwrap()
}

fn ok(desk: &DeskProcess, cups: &PrintServer, args: &[&str]) -> String {
    let out = run(desk, cups, args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_chosen_printer_is_remembered_and_gets_the_confirmation() {
    let cups = PrintServer::start().unwrap();
    cups.add_printer("Kontor", true).unwrap();
    cups.add_printer("Lager_2", false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let desk = DeskProcess {
        data_dir: dir.path().join("desk"),
    };
    // The demo places an example order; its number is what we print.
    let demo = ok(&desk, &cups, &["demo"]);
    let number = demo
        .lines()
        .find_map(|l| l.strip_prefix("Eksempelordre "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("{demo}"))
        .to_string();

    // The system's printers, the default first and in use while the desk has chosen none.
    let listed = ok(&desk, &cups, &["printer", "list"]);
    assert_eq!(listed, "* Kontor (systemets standard)\n  Lager_2\n");

    // A name the system does not know is refused, and nothing is remembered.
    let typo = run(&desk, &cups, &["printer", "choose", "Lager2"]);
    assert!(!typo.status.success());
    let said = String::from_utf8_lossy(&typo.stderr);
    assert!(
        said.contains("«Lager2» finnes ikke") && said.contains("Kontor, Lager_2"),
        "{said}"
    );

    ok(&desk, &cups, &["printer", "choose", "Lager_2"]);
    assert_eq!(
        ok(&desk, &cups, &["printer", "list"]),
        "  Kontor (systemets standard)\n* Lager_2\n"
    );
    let printed = ok(&desk, &cups, &["pdf", "confirmation", &number, "--print"]);
    assert!(printed.contains("Sendt til Lager_2."), "{printed}");
    assert_eq!(cups.jobs("Lager_2").unwrap().len(), 1);
    assert!(cups.jobs("Kontor").unwrap().is_empty());

    // Back to the system's default.
    ok(&desk, &cups, &["printer", "choose", "--standard"]);
    let printed = ok(&desk, &cups, &["pdf", "confirmation", &number, "--print"]);
    assert!(printed.contains("Sendt til standardskriveren."), "{printed}");
    assert_eq!(cups.jobs("Kontor").unwrap().len(), 1);
    assert_eq!(cups.jobs("Lager_2").unwrap().len(), 1);

    // The choices are in the audit log with who made them.
    let audit = ok(&desk, &cups, &["audit", "show"]);
    assert!(audit.contains("skriver valgt"), "{audit}");
}

#[test]
fn without_a_print_service_the_desk_says_so_in_norwegian() {
    let dir = tempfile::tempdir().unwrap();
    let desk = DeskProcess {
        data_dir: dir.path().join("desk"),
    };
    let out = desk
        .command(&["printer", "list"])
        .env("CUPS_SERVER", dir.path().join("ingen.sock"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("skriverlisten kunne ikke hentes"), "{said}");
}
