-- Which key seals the personal fields (the fødselsnummer and the draft): its id, never the key. A desk
-- opened with another key is refused instead of sealing new rows under a second key.
CREATE TABLE field_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT    NOT NULL
);
