-- Issue 17 item 2: the desk's signed packages, served to paired desks as updates, and the version a
-- store is held at (a pin, or a rollback to an older release).
CREATE TABLE desk_releases (
    id bigserial PRIMARY KEY,
    version text NOT NULL,
    -- The updater's names: target `linux`/`windows`/`darwin`, arch `x86_64`/`aarch64`, bundle type
    -- `deb`/`rpm`/`appimage`/`msi`/`nsis`.
    target text NOT NULL,
    arch text NOT NULL,
    bundle_type text NOT NULL,
    file_name text NOT NULL,
    package bytea NOT NULL,
    -- The `.sig` file's content as `tauri bundle` wrote it (base64 of the minisign signature).
    signature text NOT NULL,
    notes text,
    added_at timestamptz NOT NULL,
    withdrawn_at timestamptz,
    UNIQUE (version, target, arch, bundle_type)
);

CREATE TABLE store_release_pins (
    store_id text PRIMARY KEY REFERENCES stores (id),
    version text NOT NULL,
    pinned_at timestamptz NOT NULL
);
