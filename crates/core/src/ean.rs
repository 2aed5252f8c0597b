//! GTIN/EAN barcodes: what a scanner types and a catalog lists.

use crate::Invalid;

/// Checks an EAN-8, UPC-A (12), EAN-13 or GTIN-14 and its GS1 check digit.
pub fn parse_ean(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    if !matches!(t.len(), 8 | 12 | 13 | 14) || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::Ean);
    }
    let digits: Vec<u32> = t.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    if gs1_check_digit(body) != check[0] {
        return Err(Invalid::Ean);
    }
    Ok(t.to_string())
}

/// Whether `text` looks like something a barcode scanner sent (digits of an EAN length).
pub fn looks_like_ean(text: &str) -> bool {
    let t = text.trim();
    matches!(t.len(), 8 | 12 | 13 | 14) && t.bytes().all(|b| b.is_ascii_digit())
}

/// GS1 mod 10: weights 3 and 1 from the right, starting with 3 next to the check digit.
pub fn gs1_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_barcodes() {
        assert!(parse_ean("7038010009457").is_ok()); // a Norwegian EAN-13
        assert!(parse_ean("96385074").is_ok()); // EAN-8
        assert!(parse_ean("036000291452").is_ok()); // UPC-A
        assert_eq!(parse_ean("7038010009458"), Err(Invalid::Ean));
        assert_eq!(parse_ean("70380100094"), Err(Invalid::Ean));
        assert!(looks_like_ean(" 7038010009457 "));
        assert!(!looks_like_ean("KAF-1001"));
    }
}
