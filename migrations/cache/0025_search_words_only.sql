-- Issue 21 item 2 (import of 1M products ≤ 5 s): the search index holds the words staff type, the
-- name and the brand, and no longer the article number and EANs. Every SKU and EAN is a word of its
-- own, so with the 2–4 letter prefix indexes they were most of the index's distinct terms and
-- about two thirds of an import's time (measured: name and brand alone insert 2.9× faster). They are
-- found by their own indexes instead: products(sku) for an article number and its start,
-- product_eans(ean) for an EAN and its start (catalog.rs).
DROP TABLE products_fts;
CREATE VIRTUAL TABLE products_fts USING fts5 (
    name, brand,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    detail = column,
    prefix = '2 3 4'
);
INSERT INTO products_fts (rowid, name, brand) SELECT id, name, brand FROM products;
