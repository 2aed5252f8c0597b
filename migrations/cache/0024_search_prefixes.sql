-- Issue 21 item 2 (search p99 ≤ 5 ms at 1M products): prefix indexes for the prefixes staff type
-- most, 2 to 4 letters. Without them FTS5 answers "hage*" by merging the lists of every word that
-- starts with "hage" (hage, hagekniv, hageslange ...); with them it reads one list, and a second word
-- ("makita hage") skips through it instead of merging it whole. `detail = column`: no word
-- positions (no phrase search is made), so the lists are a third smaller and prefix merges cheaper.
-- Ranking is done by the desk, not bm25 (catalog.rs), so the rank setting of 0001 is not carried.
-- Same columns and tokenizer as 0001.
DROP TABLE products_fts;
CREATE VIRTUAL TABLE products_fts USING fts5 (
    sku, name, brand, eans,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = column,
    prefix = '2 3 4'
);
INSERT INTO products_fts (rowid, sku, name, brand, eans)
SELECT p.id, p.sku, p.name, p.brand,
       coalesce((SELECT group_concat(e.ean, ' ') FROM product_eans e WHERE e.product_id = p.id), '')
FROM products p;
