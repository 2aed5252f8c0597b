//! D7: postcode lookup and the address-kind check never panic on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skranke_core::postcode::{check_address, lookup, AddressKind};

fuzz_target!(|input: (&str, &str)| {
    let (code, line) = input;
    let found = lookup(code);
    let checked = check_address(code, AddressKind::of_line(line));
    if checked.is_ok() {
        assert!(
            found.is_ok(),
            "an address accepted for a postcode the register does not have"
        );
    }
});
