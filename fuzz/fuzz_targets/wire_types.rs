//! Everything that arrives over the network: the sync protocol's requests and answers, the mutation
//! payloads, and the payment providers' webhooks. Decoding never panics; what decodes, encodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skranke_payments::{verify_vipps_webhook, KlarnaStatusUpdate, VippsSignature, VippsWebhookEvent};
use skranke_protocol::*;

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_string(&value).expect("what decoded encodes");
        serde_json::from_str::<T>(&text).expect("and decodes again");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<PushRequest>(data);
    round_trip::<PushResponse>(data);
    round_trip::<PullResponse>(data);
    round_trip::<ChangesResponse>(data);
    round_trip::<PairRequest>(data);
    round_trip::<SetStatusRequest>(data);
    round_trip::<OrderPlaced>(data);
    round_trip::<ReturnRegistered>(data);
    round_trip::<PaymentRequested>(data);
    round_trip::<ConfirmationResent>(data);
    round_trip::<AuditRecorded>(data);
    round_trip::<VippsWebhookEvent>(data);
    round_trip::<KlarnaStatusUpdate>(data);
    let _ = ErrorBody::from_response(400, data);
    let sig = VippsSignature {
        date: "Sun, 22 Nov 2026 05:00:00 GMT".into(),
        content_sha256: String::from_utf8_lossy(data).into_owned(),
        authorization: String::from_utf8_lossy(data).into_owned(),
    };
    assert!(verify_vipps_webhook("secret", "/v1/webhooks/vipps", "host", &sig, data).is_err());
});
