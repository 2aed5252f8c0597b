-- Issue 20: a person's role decides how much discount they may give on their own (policy per role).
ALTER TABLE staff ADD COLUMN role TEXT NOT NULL DEFAULT 'selger';
