//! F5: a parsed phone number survives a round trip through its E.164 and national forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skranke_core::PhoneNumber;

fuzz_target!(|text: &str| {
    if let Ok(p) = PhoneNumber::parse(text) {
        assert_eq!(PhoneNumber::parse(&p.e164()).ok(), Some(p.clone()));
        assert_eq!(PhoneNumber::parse(&p.display_national()).ok(), Some(p.clone()));
        assert_eq!(p.msisdn().len(), 10);
        if p.is_mobile() {
            assert!(PhoneNumber::parse_mobile(text).is_ok());
        }
    }
});
