-- D6: products the supplier delivers directly (the supplier contacts the customer).
ALTER TABLE products ADD COLUMN supplier_direct INTEGER NOT NULL DEFAULT 0;
