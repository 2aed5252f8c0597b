//! Generates realistic Norwegian demo catalogs (deterministic from a seed), and a phone order over them,
//! for the demo, tests and benchmarks.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use skranke_core::ean::gs1_check_digit;
use skranke_core::order::{AddressDraft, CustomerDraft, LineDraft};
use skranke_core::{Availability, Money, MvaRate, OrderDraft, Product};

struct Category {
    name: &'static str,
    sku_prefix: &'static str,
    mva: MvaRate,
    nouns: &'static [&'static str],
    brands: &'static [&'static str],
    /// Typical price range in kroner.
    price: (i64, i64),
}

const CATEGORIES: &[Category] = &[
    Category {
        name: "Kjøkken",
        sku_prefix: "KJK",
        mva: MvaRate::General,
        nouns: &[
            "Kaffetrakter",
            "Vannkoker",
            "Stekepanne",
            "Kokekar",
            "Kjøkkenmaskin",
            "Brødrister",
            "Blender",
            "Kniv",
            "Skjærebrett",
            "Espressomaskin",
            "Stavmikser",
            "Vaffeljern",
        ],
        brands: &[
            "Moccamaster",
            "Wilfa",
            "Bosch",
            "Kitchenaid",
            "OBH Nordica",
            "Scanpan",
            "Fiskars",
            "Tefal",
            "Philips",
            "Severin",
        ],
        price: (149, 4_999),
    },
    Category {
        name: "Verktøy",
        sku_prefix: "VRK",
        mva: MvaRate::General,
        nouns: &[
            "Drill",
            "Skrutrekker",
            "Slagdrill",
            "Vinkelsliper",
            "Sirkelsag",
            "Stikksag",
            "Hammer",
            "Vater",
            "Tommestokk",
            "Verktøykasse",
            "Batteri",
            "Lader",
        ],
        brands: &[
            "Bosch",
            "Makita",
            "DeWalt",
            "Milwaukee",
            "Hultafors",
            "Bahco",
            "Ryobi",
            "Einhell",
            "Würth",
            "Stanley",
        ],
        price: (99, 6_999),
    },
    Category {
        name: "Hage",
        sku_prefix: "HAG",
        mva: MvaRate::General,
        nouns: &[
            "Gressklipper",
            "Hagesaks",
            "Vannslange",
            "Spade",
            "Rive",
            "Trillebår",
            "Hekksaks",
            "Grill",
            "Hagestol",
            "Plantekasse",
            "Løvblåser",
        ],
        brands: &[
            "Husqvarna",
            "Gardena",
            "Stiga",
            "Fiskars",
            "Weber",
            "Ryobi",
            "Makita",
            "Hageland",
        ],
        price: (79, 9_999),
    },
    Category {
        name: "Friluft",
        sku_prefix: "FRI",
        mva: MvaRate::General,
        nouns: &[
            "Sovepose",
            "Telt",
            "Ryggsekk",
            "Termos",
            "Hodelykt",
            "Primus",
            "Liggeunderlag",
            "Ullundertøy",
            "Skallsjakke",
            "Fjellsko",
            "Skistaver",
        ],
        brands: &[
            "Bergans",
            "Norrøna",
            "Helsport",
            "Devold",
            "Swix",
            "Primus",
            "Fjällräven",
            "Kari Traa",
            "Åsnes",
            "Madshus",
        ],
        price: (129, 7_999),
    },
    Category {
        name: "Mat og drikke",
        sku_prefix: "MAT",
        mva: MvaRate::Food,
        nouns: &[
            "Kaffe",
            "Te",
            "Brunost",
            "Sjokolade",
            "Knekkebrød",
            "Syltetøy",
            "Honning",
            "Lefse",
            "Flatbrød",
            "Saft",
            "Kjeks",
        ],
        brands: &[
            "Friele",
            "Evergood",
            "Tine",
            "Freia",
            "Nidar",
            "Wasa",
            "Lerum",
            "Mors",
            "Ringnes",
            "Kavli",
            "Møllerens",
        ],
        price: (19, 249),
    },
    Category {
        name: "Hjem og interiør",
        sku_prefix: "HJM",
        mva: MvaRate::General,
        nouns: &[
            "Pute",
            "Pledd",
            "Lampe",
            "Lysestake",
            "Vase",
            "Speil",
            "Håndkle",
            "Dyne",
            "Sengetøy",
            "Teppe",
            "Stol",
            "Krakk",
        ],
        brands: &[
            "Høie",
            "Fjordfiesta",
            "Rosendahl",
            "Hadeland Glassverk",
            "Northern",
            "Figgjo",
            "Porsgrund",
            "Dale of Norway",
        ],
        price: (99, 5_999),
    },
    Category {
        name: "Elektronikk",
        sku_prefix: "ELK",
        mva: MvaRate::General,
        nouns: &[
            "Hodetelefoner",
            "Høyttaler",
            "Ladekabel",
            "Powerbank",
            "Radio",
            "Smartklokke",
            "Tastatur",
            "Mus",
            "Skjerm",
            "Webkamera",
        ],
        brands: &[
            "Sony", "Samsung", "Jabra", "Logitech", "Bose", "JBL", "Tivoli", "Anker", "Apple", "Philips",
        ],
        price: (99, 8_999),
    },
];

const ADJECTIVES: &[&str] = &[
    "Classic", "Pro", "Compact", "Premium", "Basic", "Plus", "Mini", "Max", "Sport", "Nordic", "Fjell",
    "Kyst", "Vinter", "Sommer", "Grønn", "Blå", "Sort", "Hvit", "Rød", "Grå", "Stål", "Tre", "Ull", "Lin",
];
const SIZES: &[&str] = &[
    "", "", "", " 0,5 l", " 1 l", " 1,5 l", " 18 V", " 250 g", " 500 g", " 1 kg", " 140x200", " 50 cm",
    " XL", " M", " 2-pk", " 10 m",
];

/// Generates `n` products, deterministic for a `seed`. `as_of` stamps their availability (A2); confirmed
/// supplier dates fall 3–40 days after `today`.
pub fn products(
    n: usize,
    seed: u64,
    as_of: DateTime<Utc>,
    today: NaiveDate,
) -> impl Iterator<Item = Product> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(move |i| product(&mut rng, i, as_of, today))
}

fn product(rng: &mut StdRng, i: usize, as_of: DateTime<Utc>, today: NaiveDate) -> Product {
    let category = &CATEGORIES[rng.gen_range(0..CATEGORIES.len())];
    let noun = category.nouns[rng.gen_range(0..category.nouns.len())];
    let brand = category.brands[rng.gen_range(0..category.brands.len())];
    let adjective = ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())];
    let size = SIZES[rng.gen_range(0..SIZES.len())];
    let model = rng.gen_range(100..999);
    let name = format!("{brand} {noun} {adjective} {model}{size}");
    // Prices end in ,00 or 9,00 / 9,90 as shops price them.
    let kroner = rng.gen_range(category.price.0..=category.price.1);
    let price = match rng.gen_range(0..3) {
        0 => Money::from_kroner(kroner / 10 * 10 + 9),
        1 => Money::from_ore((kroner / 10 * 10 + 9) * 100 + 90),
        _ => Money::from_kroner(kroner),
    };
    let availability = match rng.gen_range(0..100) {
        0..=59 => Availability::InStock,
        60..=67 => Availability::OrderedConfirmed {
            date: today
                .checked_add_days(Days::new(rng.gen_range(3..40)))
                .unwrap_or(today),
        },
        68..=74 => Availability::OrderedUnconfirmed,
        75..=82 => Availability::MustOrder,
        83..=89 => Availability::RemoteWarehouse,
        90..=95 => Availability::SupplierWarehouse,
        _ => Availability::Unconfirmed,
    };
    let ean_count = if rng.gen_range(0..10) == 0 { 2 } else { 1 };
    let eans = (0..ean_count).map(|k| ean13(i * 2 + k)).collect();
    Product {
        sku: format!("{}-{:06}", category.sku_prefix, i + 1),
        eans,
        name,
        brand: brand.to_string(),
        category: category.name.to_string(),
        price,
        mva_rate: category.mva,
        availability,
        availability_as_of: Some(as_of),
        supplier_direct: false,
    }
}

/// A unique EAN-13 in the Norwegian GS1 range (70…) with its check digit.
pub fn ean13(n: usize) -> String {
    let body = format!("70{:010}", n);
    let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
    format!("{body}{}", gs1_check_digit(&digits))
}

/// A phone order the rules accept: Kari Nordmann in Oslo buys `quantity` of each product, pays by card,
/// and gets it as a parcel. Tests and benchmarks change what they need on the result.
pub fn phone_order<'a>(products: impl IntoIterator<Item = &'a Product>, quantity: i64) -> OrderDraft {
    OrderDraft {
        customer: CustomerDraft {
            confirmed_15_or_older: true,
            name: "Kari Nordmann".into(),
            phone: "41234567".into(),
            address: AddressDraft {
                line1: "Storgata 1".into(),
                postcode: "0150".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: products
            .into_iter()
            .map(|p| LineDraft {
                discount: None,
                sku: p.sku.clone(),
                quantity,
            })
            .collect(),
        shipping_method: "servicepakke".into(),
        payment_method: "kort".into(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skranke_core::ean::parse_ean;

    #[test]
    fn deterministic_valid_and_varied() {
        let as_of = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let a: Vec<Product> = products(2_000, 7, as_of, today).collect();
        let b: Vec<Product> = products(2_000, 7, as_of, today).collect();
        assert_eq!(a, b);
        let mut skus: Vec<&str> = a.iter().map(|p| p.sku.as_str()).collect();
        skus.sort_unstable();
        skus.dedup();
        assert_eq!(skus.len(), 2_000);
        assert!(a.iter().flat_map(|p| &p.eans).all(|e| parse_ean(e).is_ok()));
        for code in [
            "in_stock",
            "ordered_confirmed",
            "ordered_unconfirmed",
            "must_order",
            "remote_warehouse",
            "supplier_warehouse",
            "unconfirmed",
        ] {
            assert!(a.iter().any(|p| p.availability.code() == code), "{code}");
        }
        assert!(a.iter().any(|p| p.mva_rate == MvaRate::Food));
        assert!(a
            .iter()
            .any(|p| p.name.contains('ø') || p.name.contains('å') || p.name.contains('æ')));
    }
}
