//! Reading catalog files into products: the desk's own CSV / JSON lines, and Google Merchant Center feeds.

mod desk_file;
mod merchant;

pub use desk_file::{detect_format, read_catalog, CatalogFormat};
pub use merchant::{read_merchant_feed, MerchantFormat, SUPPLIER_DIRECT_LABEL};

/// Why a catalog file was refused: where, and what a person can fix.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// `line` is the file's line (1 is the header of a CSV); for an XML feed, the line the item starts on.
    #[error("linje {line}, {field}: {message}")]
    Row {
        line: u64,
        field: String,
        message: String,
    },
}

impl CatalogError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CatalogError {
        let context = context.into();
        move |source| CatalogError::Io { context, source }
    }
}

/// Where and why JSON was refused, in Norwegian; serde's own detail (which names a wrong field) follows.
pub fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "JSON-teksten slutter for tidlig",
        Category::Syntax => "ugyldig JSON",
        Category::Data => "feil innhold",
        Category::Io => "lesefeil",
    };
    let detail = e.to_string();
    let detail = detail.split(" at line ").next().unwrap_or_default();
    format!("{what} (linje {}, kolonne {}): {detail}", e.line(), e.column())
}
