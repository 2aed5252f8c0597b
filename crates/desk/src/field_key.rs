//! Where the key that seals personal data lives: the OS keyring where there is one, otherwise a key
//! file readable only by its owner, in the user's config folder, never beside the cache file.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::Digest;
use skranke_cache::FieldKey;

use crate::DeskError;

/// The keyring service every desk's key is filed under.
const KEYRING_SERVICE: &str = "no.skranke.skranke";

/// Where a desk's key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// The OS keyring (Secret Service, Keychain, Credential Manager), under this account name.
    Keyring(String),
    /// A file with 0600 permissions.
    File(PathBuf),
}

/// The key for the desk in `data_dir`, created on first use.
///
/// `SKRANKE_KEY_DIR` names a folder for key files and skips the keyring (for tests and for machines
/// whose keyring is not unlocked at login). Otherwise the keyring is tried first, and a key file in
/// the config folder is the fallback. A key is looked for in both places before a new one is made, so
/// a desk whose keyring is out of reach for one start does not get a second key.
///
/// A desk whose file was already sealed and whose key is in neither place is refused: a new key could
/// not open what is there (the keyring may just be locked).
pub async fn load_or_create(data_dir: &Path) -> Result<(FieldKey, KeyLocation), DeskError> {
    let (name, file, use_keyring) = places(data_dir)?;

    if use_keyring {
        if let Some(key) = keyring_get(&name)? {
            return Ok((key, KeyLocation::Keyring(name)));
        }
    }
    if let Some(key) = read_key_file(&file)? {
        return Ok((key, KeyLocation::File(file)));
    }
    if let Some(id) = skranke_cache::Cache::recorded_key_id(&data_dir.join(crate::CACHE_FILE)).await? {
        return Err(DeskError::FieldKey(format!(
            "nøkkel {id} for denne skranken finnes verken i nøkkelringen eller i {}. Lås opp \
             nøkkelringen, eller legg nøkkelfilen tilbake fra sikkerhetskopien. Er den tapt for \
             godt: skranke key reset --yes (fødselsnumre som ikke er sendt og utkastet går tapt, \
             ordrene ikke).",
            file.display()
        )));
    }
    let key = FieldKey::generate();
    if use_keyring && keyring_set(&name, &key) {
        return Ok((key, KeyLocation::Keyring(name)));
    }
    write_key_file(&file, &key)?;
    Ok((key, KeyLocation::File(file)))
}

/// For a desk whose key is lost for good: a new key is made and stored, the sealed values no one can
/// read any more are deleted (see `Cache::replace_lost_key`), and the desk opens again with its
/// orders. A key file that no longer fits is kept beside as `.key.gammel`. Returns the new key's
/// location and how many sealed values were deleted.
pub async fn replace_lost_key(data_dir: &Path) -> Result<(KeyLocation, u64), DeskError> {
    let (name, file, use_keyring) = places(data_dir)?;
    let key = FieldKey::generate();
    let location = if use_keyring && keyring_set(&name, &key) {
        KeyLocation::Keyring(name)
    } else {
        if file.exists() {
            let old = file.with_extension("key.gammel");
            std::fs::rename(&file, &old)
                .map_err(DeskError::io(format!("kan ikke flytte {}", file.display())))?;
        }
        write_key_file(&file, &key)?;
        KeyLocation::File(file)
    };
    let dropped = skranke_cache::Cache::replace_lost_key(&data_dir.join(crate::CACHE_FILE), &key).await?;
    Ok((location, dropped))
}

/// The keyring account, the key file, and whether the keyring is to be used, for `data_dir`.
fn places(data_dir: &Path) -> Result<(String, PathBuf, bool), DeskError> {
    let name = key_name(data_dir);
    let key_dir = std::env::var_os("SKRANKE_KEY_DIR").map(PathBuf::from);
    let use_keyring = key_dir.is_none();
    let file = key_dir
        .or_else(|| dirs::config_dir().map(|d| d.join("skranke").join("nøkler")))
        .ok_or_else(|| DeskError::FieldKey("fant ingen mappe for nøkkelfilen (sett SKRANKE_KEY_DIR)".into()))?
        .join(format!("{name}.key"));
    refuse_inside(&file, data_dir)?;
    Ok((name, file, use_keyring))
}

/// One name per data folder, so several desks (or test runs) on one machine keep their own keys.
fn key_name(data_dir: &Path) -> String {
    let absolute = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = sha2::Sha256::digest(absolute.to_string_lossy().as_bytes());
    format!("skranke-{}", hex::encode(&digest[..8]))
}

/// A key stored beside the data it seals protects nothing.
fn refuse_inside(file: &Path, data_dir: &Path) -> Result<(), DeskError> {
    let data = resolved(data_dir);
    let parent = file.parent().map(resolved);
    if parent.is_some_and(|p| p.starts_with(&data)) {
        return Err(DeskError::FieldKey(format!(
            "nøkkelfilen {} kan ikke ligge i datamappen {}",
            file.display(),
            data_dir.display()
        )));
    }
    Ok(())
}

/// `path` with links and `..` resolved, also when it does not exist yet (a key folder made on first
/// start): the nearest existing ancestor is canonicalised and the rest is applied to it, so
/// `data/../keys` is the folder beside `data`, not inside it.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    // The root always exists, so the walk up ends at a folder that canonicalises.
    let mut base = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return absolute,
        }
    };
    for name in rest.into_iter().rev() {
        if name == ".." {
            base.pop();
        } else if name != "." {
            base.push(name);
        }
    }
    base
}

/// The key from the keyring; `None` when it has none or the keyring is out of reach.
fn keyring_get(name: &str) -> Result<Option<FieldKey>, DeskError> {
    let Ok(entry) = keyring::Entry::new(KEYRING_SERVICE, name) else {
        return Ok(None);
    };
    match entry.get_password() {
        Ok(hex) => FieldKey::from_hex(&hex).map(Some).map_err(DeskError::from),
        Err(_) => Ok(None),
    }
}

/// Stores the key in the keyring and reads it back; false when the keyring did not keep it.
fn keyring_set(name: &str, key: &FieldKey) -> bool {
    let Ok(entry) = keyring::Entry::new(KEYRING_SERVICE, name) else {
        return false;
    };
    entry.set_password(&key.to_hex()).is_ok() && entry.get_password().is_ok_and(|back| back == key.to_hex())
}

fn read_key_file(file: &Path) -> Result<Option<FieldKey>, DeskError> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            restrict(file)?;
            Ok(Some(FieldKey::from_hex(&text)?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(DeskError::io(format!(
            "kan ikke lese nøkkelfilen {}",
            file.display()
        ))(e)),
    }
}

/// Writes a new key file, created 0600 and synced before it is used, so a key that sealed something
/// is on disk.
fn write_key_file(file: &Path, key: &FieldKey) -> Result<(), DeskError> {
    let io = |what: &str| DeskError::io(format!("kan ikke {what} nøkkelfilen {}", file.display()));
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io("lage mappen til"))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(file).map_err(io("lage"))?;
    out.write_all(key.to_hex().as_bytes()).map_err(io("skrive"))?;
    out.sync_all().map_err(io("lagre"))?;
    if let Some(dir) = file.parent() {
        // The directory entry too, so the file is there after a power cut.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// A key file others can read is tightened to 0600 before it is used.
fn restrict(file: &Path) -> Result<(), DeskError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(file).map_err(DeskError::io(format!(
            "kan ikke lese nøkkelfilen {}",
            file.display()
        )))?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(DeskError::io(
                format!("kan ikke stramme inn nøkkelfilen {}", file.display()),
            ))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Writes the key of the desk in `data_dir` to `file` (0600, never over another file), for a backup.
pub(crate) async fn export(data_dir: &Path, file: &Path) -> Result<(), DeskError> {
    let (key, _) = load_or_create(data_dir).await?;
    write_key_file(file, &key)
}

/// A key file written by [`export`]; `None` when there is none.
pub(crate) fn read_exported(file: &Path) -> Result<Option<FieldKey>, DeskError> {
    read_key_file(file)
}

/// Files `key` as the key of the desk in `data_dir` (a restore, or a cache moved in from elsewhere),
/// where a new key would go.
pub fn install(data_dir: &Path, key: &FieldKey) -> Result<KeyLocation, DeskError> {
    let (name, file, use_keyring) = places(data_dir)?;
    if use_keyring && keyring_set(&name, key) {
        return Ok(KeyLocation::Keyring(name));
    }
    write_key_file(&file, key)?;
    Ok(KeyLocation::File(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_folder_written_with_dots_is_compared_by_where_it_really_is() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir(&data).unwrap();
        // `data/../keys` is beside the data folder, whether or not it exists yet.
        let beside = data.join("..").join("keys").join("desk.key");
        assert!(refuse_inside(&beside, &data).is_ok());
        std::fs::create_dir(root.path().join("keys")).unwrap();
        assert!(refuse_inside(&beside, &data).is_ok());
        // `keys/../data/sub` is inside it, also written the long way round.
        let inside = root
            .path()
            .join("keys")
            .join("..")
            .join("data")
            .join("sub")
            .join("desk.key");
        assert!(refuse_inside(&inside, &data).is_err());
        assert!(refuse_inside(&data.join("desk.key"), &data).is_err());
    }
}
