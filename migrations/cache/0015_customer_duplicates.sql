-- Finding a customer who may already exist (issue 20): by e-mail, and by postcode for a name and
-- address that read the same.
CREATE INDEX customers_email ON customers (email COLLATE NOCASE);
CREATE INDEX customers_postcode ON customers (postcode);
