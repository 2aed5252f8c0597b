-- Issue 20: a person's role decides how much discount they may give on their own (policy per role);
-- the store judges a desk's discounts against the roles kept here.
ALTER TABLE staff ADD COLUMN role text NOT NULL DEFAULT 'selger' CHECK (role IN ('selger', 'leder'));
