-- D6: products the supplier delivers directly (the supplier contacts the customer).
ALTER TABLE products ADD COLUMN supplier_direct boolean NOT NULL DEFAULT false;
