//! The catalog: import, full-text search with prefix matching, exact EAN/SKU lookup.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use skranke_core::{Availability, Money, MvaRate, Product};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

use crate::{Cache, CacheError};

/// Rows per multi-row INSERT: 11 columns × 1,000 rows stays below SQLite's bound-parameter limit
/// (32,766).
const ROWS_PER_STATEMENT: usize = 1_000;
/// The shortest text searched for by name and brand (an EAN or article number is found at any length).
const MIN_SEARCH_CHARS: usize = 2;
/// EAN rows (two columns each) per INSERT.
const EANS_PER_STATEMENT: usize = 5_000;

/// At most this many matches of one search are ranked.
const RANK_WINDOW: i64 = 200;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub products: u64,
    pub eans: u64,
}

/// A search result: the product and what the desk shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductHit {
    pub product: Product,
    /// Matched by an exact EAN or SKU (a scanner's input), not by text.
    pub exact: bool,
    /// Issue 20: the units the store can still sell, for products it counts.
    pub units_left: Option<u32>,
}

const PRODUCT_COLUMNS: &str =
    "p.id, p.sku, p.name, p.brand, p.category, p.price_ore, p.mva_percent, p.availability, p.supplier_date, p.availability_as_of, p.supplier_direct, p.units_left,
     (SELECT group_concat(ean, ' ') FROM product_eans e WHERE e.product_id = p.id) AS eans";

impl Cache {
    /// Inserts or replaces a batch of products in one transaction, with their EANs and search index.
    /// An EAN that moved to another product moves with it.
    pub async fn import_products(&self, batch: &[Product]) -> Result<ImportStats, CacheError> {
        let mut tx = self.write().await?;
        let stats = upsert_products(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(stats)
    }

    /// Records when the catalog was last brought up to date (A2: the desk shows how old it is).
    pub async fn set_catalog_as_of(&self, as_of: DateTime<Utc>) -> Result<(), CacheError> {
        sqlx::query("INSERT INTO catalog_meta (key, value) VALUES ('as_of', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(as_of.to_rfc3339())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn catalog_as_of(&self) -> Result<Option<DateTime<Utc>>, CacheError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM catalog_meta WHERE key = 'as_of'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(value
            .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    pub async fn product_count(&self) -> Result<i64, CacheError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM products")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Exact lookup by EAN (what a barcode scanner types) or SKU, by index.
    pub async fn product_by_code(&self, code: &str) -> Result<Option<Product>, CacheError> {
        Ok(self.hit_by_code(code).await?.map(|h| h.product))
    }

    async fn hit_by_code(&self, code: &str) -> Result<Option<ProductHit>, CacheError> {
        let code = code.trim();
        let row = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p
             WHERE p.id IN (SELECT product_id FROM product_eans WHERE ean = ?1
                            UNION ALL SELECT id FROM products WHERE sku IN (?1, ?2))
             LIMIT 1"
        ))
        .bind(code)
        .bind(code.to_uppercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| hit_from_row(&r, true)).transpose()
    }

    /// Products by SKU, for validating an order's lines.
    pub async fn products_by_sku(&self, skus: &[String]) -> Result<HashMap<String, Product>, CacheError> {
        let mut found = HashMap::new();
        for chunk in skus.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.sku IN ("
            ));
            let mut sep = q.separated(", ");
            for sku in chunk {
                sep.push_bind(sku);
            }
            q.push(")");
            for row in q.build().fetch_all(&self.pool).await? {
                let p = product_from_row(&row)?;
                found.insert(p.sku.clone(), p);
            }
        }
        Ok(found)
    }

    /// Search as staff type: an exact EAN or SKU first; then what starts like an article number (by
    /// the SKU index) or an EAN (by the EAN index); then, while the page has room, full-text matches
    /// where every word is a prefix of a word in the name or brand (æ, ø, å kept apart from a and o).
    pub async fn search_products(&self, text: &str, limit: u32) -> Result<Vec<ProductHit>, CacheError> {
        let mut hits = Vec::new();
        if let Some(hit) = self.hit_by_code(text).await? {
            hits.push(hit);
        }
        let code = text.trim().to_uppercase();
        let by_code = if looks_like_sku(&code) {
            Some(format!(
                "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.sku >= ?1 AND p.sku < ?1 || char(1114111)
                 ORDER BY p.sku LIMIT ?2"
            ))
        } else if looks_like_ean_start(&code) {
            Some(format!(
                "SELECT {PRODUCT_COLUMNS} FROM product_eans pe JOIN products p ON p.id = pe.product_id
                 WHERE pe.ean >= ?1 AND pe.ean < ?1 || char(1114111)
                 ORDER BY pe.ean LIMIT ?2"
            ))
        } else {
            None
        };
        if let Some(sql) = by_code {
            let rows = sqlx::query(&sql)
                .bind(&code)
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.pool)
                .await?;
            for row in rows {
                let hit = hit_from_row(&row, false)?;
                if !hits.iter().any(|h| h.product.sku == hit.product.sku) {
                    hits.push(hit);
                }
            }
            if !hits.is_empty() {
                hits.truncate(limit as usize);
                return Ok(hits);
            }
        }
        // One letter is the start of a tenth of a million products' words, and FTS5 keeps no list
        // for one-letter starts: a search for it read them all (28 ms at 1M, issue 21) to show eight
        // of thousands no one asked for. The window asks for a second letter instead.
        if text.trim().chars().count() < MIN_SEARCH_CHARS {
            return Ok(hits);
        }
        // Issue 21 (search p99 ≤ 5 ms at 1M): a whole word is one list FTS5 can skip through, while a
        // prefix merges the lists of every word it starts. Staff mostly type words out ("vater
        // fjell"), and every word but the last is finished. So whole words are tried first, then the
        // last word as a prefix, and only when that leaves room all words as prefixes ("kaffet sort"
        // finds "Kaffetrakter sort"). Whole-word matches come first in the list.
        let words: Vec<String> = search_words(text);
        // The keystroke after a space ("bosch k") makes a last word of one letter, whose prefix
        // merges the lists of a tenth of all words (the window's slowest searches, 15-30 ms at 1M).
        // The finished words are searched instead and their matches kept when a word of the name or
        // brand starts with the letter: among the first matches only, which the next letter refines.
        let (fts_words, letter) = match words.split_last() {
            Some((last, rest)) if !rest.is_empty() && last.chars().count() == 1 => {
                (rest, Some(last.as_str()))
            }
            _ => (words.as_slice(), None),
        };
        let queries: Vec<String> = [
            FtsWords::AllWhole,
            FtsWords::LastAsPrefix,
            FtsWords::AllAsPrefixes,
        ]
        .into_iter()
        .filter_map(|words_as| fts_query(fts_words, words_as))
        .collect();
        for query in queries {
            if hits.len() >= limit as usize {
                break;
            }
            for hit in self.ranked_matches(&query, &words, letter, limit).await? {
                if hits.iter().any(|h| h.product.sku == hit.product.sku) {
                    continue;
                }
                hits.push(hit);
            }
        }
        hits.truncate(limit as usize);
        Ok(hits)
    }

    /// The best `limit + 1` matches of an FTS5 query, best first.
    ///
    /// FTS5 finds the matches; they are ranked here, not by bm25: bm25 first counts every row that
    /// holds each word (a full read of "sommer"'s list at 1M products) and then reads each match's
    /// column sizes, which made ranking 80 % of a search (issue 21). The rank says what staff expect:
    /// a word in the name counts more than one in the brand; a whole word more
    /// than the start of one; a shorter name first (more of it is what was asked for). A broad query
    /// ("bosch", "kaf") matches tens of thousands at 1M products, so only the first RANK_WINDOW
    /// matches in index order are ranked; narrow queries (the usual case) are ranked in full.
    async fn ranked_matches(
        &self,
        query: &str,
        words: &[String],
        letter: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ProductHit>, CacheError> {
        // The window comes back as one JSON row: sqlx hands over each result row as a message
        // between threads, which at 500 rows cost more than the match itself.
        let window: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(p.id, p.name, p.brand)) FROM products p
             WHERE p.id IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?1 LIMIT ?2)",
        )
        .bind(query)
        .bind(if letter.is_some() {
            RANK_WINDOW * 4
        } else {
            RANK_WINDOW
        })
        .fetch_one(&self.pool)
        .await?;
        let window: Vec<(i64, String, String)> = serde_json::from_str(&window)?;
        if window.is_empty() {
            return Ok(Vec::new());
        }
        let mut scored: Vec<(u32, usize, i64)> = Vec::with_capacity(window.len());
        for (id, name, brand) in window {
            // `word_score` is above nought where a word starts with the letter.
            if letter.is_some_and(|l| word_score(l, &name, 1) == 0 && word_score(l, &brand, 1) == 0) {
                continue;
            }
            let name_words = name
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .count();
            let score = words
                .iter()
                .map(|w| word_score(w, &name, 10).max(word_score(w, &brand, 5)))
                .sum::<u32>();
            scored.push((score, name_words, id));
        }
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        scored.truncate(limit as usize + 1);
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.id IN ("
        ));
        let mut sep = q.separated(", ");
        for (_, _, id) in &scored {
            sep.push_bind(id);
        }
        q.push(")");
        let mut by_id: HashMap<i64, ProductHit> = HashMap::with_capacity(scored.len());
        for row in q.build().fetch_all(&self.pool).await? {
            by_id.insert(row.try_get("id")?, hit_from_row(&row, false)?);
        }
        Ok(scored.iter().filter_map(|(_, _, id)| by_id.remove(id)).collect())
    }
}

/// How well `word` (lower case) matches `text`: `weight` twice for a whole word, once for the start
/// of one, nothing otherwise.
fn word_score(word: &str, text: &str, weight: u32) -> u32 {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| {
            let t = t.to_lowercase();
            if t == word {
                2 * weight
            } else if t.starts_with(word) {
                weight
            } else {
                0
            }
        })
        .max()
        .unwrap_or(0)
}

/// Inserts or replaces products with their EANs and search index, in the caller's transaction.
///
/// Issue 21 (1M products ≤ 5 s): the desk gives new products their ids itself (one past the highest),
/// so the insert needs no `RETURNING`, whose rows sqlx hands over one channel message each; and the
/// statements carry `ROWS_PER_STATEMENT` rows, so a million products are a few thousand statements.
pub(crate) async fn upsert_products(
    tx: &mut Transaction<'_, Sqlite>,
    batch: &[Product],
) -> Result<ImportStats, CacheError> {
    let mut stats = ImportStats::default();
    let mut next_id: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) + 1 FROM products")
        .fetch_one(&mut **tx)
        .await?;
    let mut pending: HashSet<i64> = HashSet::with_capacity(batch.len());
    for chunk in batch.chunks(ROWS_PER_STATEMENT) {
        // Products already present keep their id and lose their old index entries and EANs first.
        let mut existing = QueryBuilder::<Sqlite>::new("SELECT sku, id FROM products WHERE sku IN (");
        let mut sep = existing.separated(", ");
        for p in chunk {
            sep.push_bind(&p.sku);
        }
        existing.push(")");
        let ids: HashMap<String, i64> = existing
            .build_query_as::<(String, i64)>()
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
        // A product first written earlier in this batch has no index entry yet (that comes at the end).
        let indexed_before: Vec<i64> = ids.values().copied().filter(|id| !pending.contains(id)).collect();
        for (table, ids) in [
            ("DELETE FROM products_fts WHERE rowid IN (", indexed_before),
            (
                "DELETE FROM product_eans WHERE product_id IN (",
                ids.values().copied().collect(),
            ),
        ] {
            if ids.is_empty() {
                continue;
            }
            let mut q = QueryBuilder::<Sqlite>::new(table);
            let mut sep = q.separated(", ");
            for id in ids {
                sep.push_bind(id);
            }
            q.push(")");
            q.build().execute(&mut **tx).await?;
        }
        // A SKU twice in one chunk is one product: the later row wins.
        let mut with_id: Vec<(i64, &Product)> = Vec::with_capacity(chunk.len());
        let mut position: HashMap<&str, usize> = HashMap::with_capacity(chunk.len());
        for p in chunk {
            if let Some(&i) = position.get(p.sku.as_str()) {
                with_id[i].1 = p;
                continue;
            }
            let id = ids.get(&p.sku).copied().unwrap_or_else(|| {
                next_id += 1;
                next_id - 1
            });
            position.insert(&p.sku, with_id.len());
            with_id.push((id, p));
        }

        let mut upsert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO products (id, sku, name, brand, category, price_ore, mva_percent, availability, supplier_date, availability_as_of, supplier_direct) ",
        );
        upsert.push_values(&with_id, |mut row, (id, p)| {
            row.push_bind(*id)
                .push_bind(&p.sku)
                .push_bind(&p.name)
                .push_bind(&p.brand)
                .push_bind(&p.category)
                .push_bind(p.price.ore())
                .push_bind(i64::from(p.mva_rate.percent()))
                .push_bind(p.availability.code())
                .push_bind(p.availability.supplier_date().map(|d| d.to_string()))
                .push_bind(p.availability_as_of.map(|t| t.to_rfc3339()))
                .push_bind(p.supplier_direct);
        });
        upsert.push(
            " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, brand = excluded.brand,
              category = excluded.category, price_ore = excluded.price_ore, mva_percent = excluded.mva_percent,
              availability = excluded.availability, supplier_date = excluded.supplier_date,
              availability_as_of = excluded.availability_as_of, supplier_direct = excluded.supplier_direct",
        );
        upsert.build().execute(&mut **tx).await?;

        let eans: Vec<(i64, &str)> = with_id
            .iter()
            .flat_map(|(id, p)| p.eans.iter().map(move |e| (*id, e.as_str())))
            .collect();
        for ean_chunk in eans.chunks(EANS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO product_eans (ean, product_id) ");
            q.push_values(ean_chunk, |mut row, (id, ean)| {
                row.push_bind(*ean).push_bind(*id);
            });
            q.push(" ON CONFLICT (ean) DO UPDATE SET product_id = excluded.product_id");
            q.build().execute(&mut **tx).await?;
            stats.eans += ean_chunk.len() as u64;
        }

        pending.extend(with_id.iter().map(|(id, _)| *id));
        stats.products += with_id.len() as u64;
    }
    // The search index in one statement for the whole batch, read back from `products`: FTS5 writes
    // its pending terms out as a new segment at the start of every statement inside a transaction,
    // so a statement per 1,000 rows made a thousand small segments per million products for it to
    // merge, most of an import's time (issue 21, measured with perf). Name and brand only: SKUs and
    // EANs have indexes of their own (migration 0025).
    if !pending.is_empty() {
        let pending: Vec<i64> = pending.into_iter().collect();
        sqlx::query(
            "INSERT INTO products_fts (rowid, name, brand)
             SELECT p.id, p.name, p.brand FROM products p WHERE p.id IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(&pending)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(stats)
}

/// Deletes products (a tombstone from the central store) with their EANs and search entries.
pub(crate) async fn delete_products(
    tx: &mut Transaction<'_, Sqlite>,
    skus: &[String],
) -> Result<(), CacheError> {
    for chunk in skus.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT id FROM products WHERE sku IN (");
        let mut sep = q.separated(", ");
        for s in chunk {
            sep.push_bind(s);
        }
        q.push(")");
        let ids: Vec<i64> = q.build_query_scalar().fetch_all(&mut **tx).await?;
        for table in [
            "DELETE FROM products_fts WHERE rowid IN (",
            "DELETE FROM product_eans WHERE product_id IN (",
            "DELETE FROM products WHERE id IN (",
        ] {
            if ids.is_empty() {
                break;
            }
            let mut q = QueryBuilder::<Sqlite>::new(table);
            let mut sep = q.separated(", ");
            for id in &ids {
                sep.push_bind(id);
            }
            q.push(")");
            q.build().execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// One word of letters and digits joined by `-` (`HAG-18`, `vrk-0001`): the start of an article number.
fn looks_like_sku(text: &str) -> bool {
    let t = text.trim();
    t.contains('-')
        && !t.contains(char::is_whitespace)
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && t.chars().any(|c| c.is_ascii_digit())
}

/// Six or more digits and nothing else: the start of an EAN read off a label (a model number in a
/// name is shorter, and is found by the name).
fn looks_like_ean_start(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 6 && t.chars().all(|c| c.is_ascii_digit())
}

/// The words of a search, lower case, at most eight.
fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// Which words of a search are prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FtsWords {
    /// None: whole words only (staff typed the words out).
    AllWhole,
    /// Only the last (the one being typed); `None` for a single word, which the other way covers.
    LastAsPrefix,
    AllAsPrefixes,
}

/// Turns the words staff typed (`search_words`) into an FTS5 query, all words required. Quoting
/// keeps FTS5's operators (AND, NEAR, `-`, `:`) out of reach of the input.
fn fts_query(words: &[String], words_as: FtsWords) -> Option<String> {
    if words.is_empty() || (words_as == FtsWords::LastAsPrefix && words.len() < 2) {
        return None;
    }
    let last = words.len() - 1;
    let quoted: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| match (words_as, i == last) {
            (FtsWords::AllWhole, _) | (FtsWords::LastAsPrefix, false) => format!("\"{w}\""),
            _ => format!("\"{w}\"*"),
        })
        .collect();
    Some(quoted.join(" "))
}

fn hit_from_row(row: &SqliteRow, exact: bool) -> Result<ProductHit, CacheError> {
    Ok(ProductHit {
        product: product_from_row(row)?,
        exact,
        units_left: row
            .try_get::<Option<i64>, _>("units_left")?
            .map(|u| u32::try_from(u).unwrap_or(0)),
    })
}

fn product_from_row(row: &SqliteRow) -> Result<Product, CacheError> {
    let corrupt = |what: &str| CacheError::Corrupt(format!("produkt: {what}"));
    let percent: i64 = row.try_get("mva_percent")?;
    let mva_rate = u32::try_from(percent)
        .ok()
        .and_then(MvaRate::from_percent)
        .ok_or_else(|| corrupt("mva"))?;
    let supplier_date: Option<String> = row.try_get("supplier_date")?;
    let supplier_date = supplier_date.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let code: String = row.try_get("availability")?;
    let availability = Availability::from_code(&code, supplier_date).map_err(|_| corrupt("availability"))?;
    let as_of: Option<String> = row.try_get("availability_as_of")?;
    let eans: Option<String> = row.try_get("eans")?;
    Ok(Product {
        sku: row.try_get("sku")?,
        eans: eans
            .map(|e| e.split(' ').map(str::to_string).collect())
            .unwrap_or_default(),
        name: row.try_get("name")?,
        brand: row.try_get("brand")?,
        category: row.try_get("category")?,
        price: Money::from_ore(row.try_get("price_ore")?),
        mva_rate,
        availability,
        availability_as_of: as_of
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)),
        supplier_direct: row.try_get("supplier_direct")?,
    })
}

#[cfg(test)]
mod tests {
    use super::{search_words, FtsWords};

    fn fts_query(text: &str, words_as: FtsWords) -> Option<String> {
        super::fts_query(&search_words(text), words_as)
    }

    #[test]
    fn sku_prefixes_are_recognised() {
        assert!(super::looks_like_sku("HAG-18"));
        assert!(super::looks_like_sku("vrk-0001"));
        assert!(!super::looks_like_sku("kaffe"));
        assert!(!super::looks_like_sku("Kari-Traa"));
        assert!(!super::looks_like_sku("HAG-18 drill"));
    }

    #[test]
    fn fts_query_quotes_every_word_as_a_prefix() {
        assert_eq!(
            fts_query("Kaffe trakt", FtsWords::AllAsPrefixes).as_deref(),
            Some("\"kaffe\"* \"trakt\"*")
        );
        assert_eq!(
            fts_query("bær-\"NEAR\" OR", FtsWords::AllAsPrefixes).as_deref(),
            Some("\"bær\"* \"near\"* \"or\"*")
        );
        assert_eq!(fts_query("  -* \" ", FtsWords::AllAsPrefixes), None);
    }

    #[test]
    fn finished_words_are_whole_and_the_last_a_prefix() {
        assert_eq!(
            fts_query("Vater fjell", FtsWords::LastAsPrefix).as_deref(),
            Some("\"vater\" \"fjell\"*")
        );
        assert_eq!(
            fts_query("vater", FtsWords::LastAsPrefix),
            None,
            "one word: prefixes only"
        );
        assert_eq!(
            fts_query("Vater fjell", FtsWords::AllWhole).as_deref(),
            Some("\"vater\" \"fjell\"")
        );
    }
}
