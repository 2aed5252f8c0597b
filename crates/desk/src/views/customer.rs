//! A customer as staff find them.

use serde::Serialize;
use skranke_cache::CustomerRecord;

use super::phone_text;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address_line1: String,
    pub address_line2: String,
    pub postcode: String,
    pub place: String,
}

impl From<CustomerRecord> for CustomerView {
    fn from(c: CustomerRecord) -> Self {
        let phone = phone_text(&c.phone);
        CustomerView {
            id: c.id,
            name: c.name,
            phone,
            email: c.email.unwrap_or_default(),
            address_line1: c.address_line1,
            address_line2: c.address_line2,
            postcode: c.postcode,
            place: c.place,
        }
    }
}
