//! Skranke's domain: money, availability, identities, addresses, calendar, delivery, payment and returns
//! rules of DOMAIN.md. Pure: no IO, no async, no clock (the caller passes `now` and the shop's policy).

pub mod availability;
pub mod calendar;
pub mod claim;
pub mod consent;
pub mod delivery;
pub mod discount;
pub mod duplicates;
pub mod ean;
pub mod email;
pub mod error;
pub mod exchange;
pub mod fodselsnummer;
pub mod money;
pub mod order;
pub mod order_change;
pub mod order_status;
pub mod orgnr;
pub mod payment;
pub mod payment_state;
pub mod phone;
pub mod policy;
pub mod postcode;
pub mod product;
pub mod quote;
pub mod received;
pub mod refund;
pub mod reorder;
pub mod retention;
pub mod return_request;
pub mod returns;

pub use availability::Availability;
pub use consent::{AgeCheck, ConsentChannel, ConsentPurpose, ConsentRecord, ConsentText};
pub use delivery::{DeliveryPromise, PromiseReason};
pub use email::Email;
pub use error::{FieldError, Invalid};
pub use fodselsnummer::Fodselsnummer;
pub use money::{mva_per_line, mva_per_rate, split_by_rate, Money, MvaLine, MvaRate, RateShare};
pub use order::{OrderDraft, Product, ValidOrder};
pub use order_status::OrderStatus;
pub use orgnr::OrgNr;
pub use payment::PaymentMethod;
pub use phone::PhoneNumber;
pub use policy::{PaymentPolicy, PickupPolicy, ShopPolicy};
pub use refund::{refund_after, refund_of_return, returned_before, Refund};
pub use return_request::{check_within_order, ReturnDraft, ReturnExceedsOrder, ReturnReason, ValidReturn};
