//! The desk's sealed fields: any text given as a sealed value is refused without a panic, a sealed
//! value opens to what was sealed, and a sealed value changed anywhere does not open.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skranke_cache::FieldKey;

fuzz_target!(|input: (&str, &str, u16)| {
    let (text, context, flip) = input;
    let key = FieldKey::from_hex(&"5a".repeat(32)).unwrap();
    // Arbitrary text as a stored value: an error, never a panic, and never a plain text let through.
    if let Ok(opened) = key.open(text, context) {
        assert!(text.starts_with("v1."), "{opened}");
    }
    let sealed = key.seal(text, context).unwrap();
    assert_eq!(key.open(&sealed, context).unwrap(), text);
    let mut bytes = sealed.into_bytes();
    let at = 3 + usize::from(flip) % (bytes.len() - 3);
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    let changed = String::from_utf8(bytes).unwrap();
    assert!(key.open(&changed, context).is_err(), "a changed sealed value opened");
});
