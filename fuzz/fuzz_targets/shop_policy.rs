//! The shop policy file (TOML): any text is read or refused, and what is read writes back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skranke_core::ShopPolicy;

fuzz_target!(|text: &str| {
    if let Ok(policy) = ShopPolicy::from_toml(text) {
        let again = ShopPolicy::from_toml(&policy.to_toml()).expect("a policy writes back readable");
        assert_eq!(again, policy);
    }
});
