-- What one desk remembers about its own machine, chosen by staff (the printer, issue 17 item 5). Not
-- synced: another desk has other printers.
CREATE TABLE desk_settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
