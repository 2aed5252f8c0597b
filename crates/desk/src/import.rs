//! Reading the files staff hand the desk: catalogs (through skranke-catalog) and single orders.

use std::io::Read;
use std::path::Path;

pub use skranke_catalog::{json_message, read_catalog};

use crate::DeskError;

/// Reads a whole small file (an order) as UTF-8, refusing anything larger than `max_bytes`.
pub fn read_text_file(path: &Path, max_bytes: u64) -> Result<String, DeskError> {
    let file =
        std::fs::File::open(path).map_err(DeskError::io(format!("kan ikke åpne {}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(DeskError::io(format!("kan ikke lese {}", path.display())))?;
    if bytes.len() as u64 > max_bytes {
        return Err(DeskError::Import {
            line: 0,
            field: path.display().to_string(),
            message: format!("filen er større enn {} MB", max_bytes / 1_048_576),
        });
    }
    String::from_utf8(bytes).map_err(|e| DeskError::Import {
        line: 0,
        field: path.display().to_string(),
        message: format!(
            "filen er ikke gyldig UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ),
    })
}
