//! Poppler and zbar, run on generated PDFs: the documents are checked as a reader and a scanner see them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Pdf {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Pdf {
    pub fn new(bytes: &[u8]) -> Pdf {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, bytes).unwrap();
        Pdf { _dir: dir, path }
    }

    pub fn pages(&self) -> usize {
        let out = run("pdfinfo", &[self.path.as_os_str()]);
        out.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// The text of one page (1-based), in reading layout, with no-break spaces as plain spaces.
    pub fn page_text(&self, page: usize) -> String {
        let p = page.to_string();
        run(
            "pdftotext",
            &[
                "-layout".as_ref(),
                "-f".as_ref(),
                p.as_ref(),
                "-l".as_ref(),
                p.as_ref(),
                self.path.as_os_str(),
                "-".as_ref(),
            ],
        )
        .replace('\u{a0}', " ")
    }

    pub fn text(&self) -> String {
        (1..=self.pages())
            .map(|p| self.page_text(p))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Renders one page to PNG at `dpi` (grey) and returns the file.
    pub fn render(&self, page: usize, dpi: u32, out: &Path) -> PathBuf {
        let p = page.to_string();
        let r = dpi.to_string();
        let prefix = out.join(format!("page{page}"));
        run(
            "pdftoppm",
            &[
                "-gray".as_ref(),
                "-png".as_ref(),
                "-singlefile".as_ref(),
                "-r".as_ref(),
                r.as_ref(),
                "-f".as_ref(),
                p.as_ref(),
                "-l".as_ref(),
                p.as_ref(),
                self.path.as_os_str(),
                prefix.as_os_str(),
            ],
        );
        prefix.with_extension("png")
    }

    /// What a barcode scanner reads on page 1.
    pub fn barcodes(&self) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let png = self.render(1, 200, dir.path());
        run("zbarimg", &["--raw".as_ref(), "-q".as_ref(), png.as_os_str()])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

fn run(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} could not run ({e}): install poppler-utils and zbar-tools (`cargo xtask test` does)")
    });
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
