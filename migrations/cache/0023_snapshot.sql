-- Issue 21 item 1: a catalog snapshot being fetched and imported. The file comes in parts (each
-- range answer one row), so a cut download goes on from what is here; `imported` counts the lines
-- already in the catalog, so a cut import goes on too. Emptied when the snapshot is in.
CREATE TABLE snapshot_download (
    id       TEXT    PRIMARY KEY,
    offer    TEXT    NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE snapshot_parts (
    id    TEXT    NOT NULL REFERENCES snapshot_download (id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    data  BLOB    NOT NULL,
    PRIMARY KEY (id, start)
);
