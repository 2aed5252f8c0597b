//! The VFS itself: SQLite's callbacks, each passing through to the default VFS it wraps, with the
//! writes since each file's last sync remembered so a cut can take them back.

#![allow(unsafe_code)] // SQLite calls these through C function pointers; nothing else here is unsafe.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::fmt;
use std::fs::OpenOptions;
use std::mem::size_of;
use std::os::unix::fs::FileExt;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use libsqlite3_sys as ffi;

/// What one write or truncation replaced: put back by setting the length to `old_len` and writing
/// `old` at `offset`.
struct Undo {
    offset: u64,
    old: Vec<u8>,
    old_len: u64,
}

/// Per path, what was changed since its last successful sync, oldest first. Kept after a file is
/// closed: closing does not sync.
static UNSYNCED: Mutex<Option<HashMap<String, Vec<Undo>>>> = Mutex::new(None);
const UNARMED: u64 = u64::MAX;
static WRITES_LEFT: AtomicU64 = AtomicU64::new(UNARMED);
static CUT: AtomicBool = AtomicBool::new(false);
/// Why putting a file back failed, if it did: the cut is then not what it claims to be.
static CUT_FAILURE: Mutex<Option<String>> = Mutex::new(None);
/// The default VFS this one wraps (a `*mut sqlite3_vfs`, kept as an address to be `Sync`).
static REAL: AtomicUsize = AtomicUsize::new(0);

/// SQLite would not let the VFS be registered.
#[derive(Debug)]
pub struct InstallError(String);

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the power-cut VFS could not be installed: {}", self.0)
    }
}

impl std::error::Error for InstallError {}

/// Makes the power-cut VFS SQLite's default in this process (once; later calls do nothing). Call it
/// before the first connection is opened.
pub fn install() -> Result<(), InstallError> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return Ok(());
    }
    // SAFETY: `sqlite3_vfs_find` initialises SQLite and returns the registered default VFS (never freed);
    // the copy made from it is leaked, as SQLite keeps a pointer to a registered VFS for good.
    unsafe {
        let real = ffi::sqlite3_vfs_find(ptr::null());
        if real.is_null() {
            return Err(InstallError("SQLite has no default VFS".into()));
        }
        let mut ours = *real;
        ours.pNext = ptr::null_mut();
        ours.zName = c"skranke-powercut".as_ptr();
        ours.szOsFile = size_of::<ShimFile>() as c_int + (*real).szOsFile;
        ours.xOpen = Some(x_open);
        ours.xDelete = Some(x_delete);
        REAL.store(real as usize, Ordering::SeqCst);
        let rc = ffi::sqlite3_vfs_register(Box::into_raw(Box::new(ours)), 1);
        if rc != ffi::SQLITE_OK {
            return Err(InstallError(format!("sqlite3_vfs_register returned {rc}")));
        }
    }
    *installed = true;
    Ok(())
}

/// Arms a cut: the `writes`-th write, truncation or sync from now (1 = the next) does not happen,
/// and the power is gone.
pub fn cut_after(writes: u64) {
    WRITES_LEFT.store(writes.clamp(1, UNARMED - 1), Ordering::SeqCst);
}

/// Cuts the power now.
pub fn cut_now() {
    let mut unsynced = unsynced();
    cut(&mut unsynced);
}

/// Whether the power is off.
pub fn was_cut() -> bool {
    CUT.load(Ordering::SeqCst)
}

/// Turns the power on again: files opened from now on are what the disk held at the cut. Close every
/// connection opened before first. Fails if a file could not be put back at the cut.
pub fn restore_power() -> Result<(), String> {
    let mut unsynced = unsynced();
    unsynced.take();
    WRITES_LEFT.store(UNARMED, Ordering::SeqCst);
    CUT.store(false, Ordering::SeqCst);
    match CUT_FAILURE.lock().unwrap_or_else(|e| e.into_inner()).take() {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

fn unsynced() -> MutexGuard<'static, Option<HashMap<String, Vec<Undo>>>> {
    UNSYNCED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts one write, truncation or sync; true when it is the one the cut was armed for.
fn is_the_cut() -> bool {
    let left = WRITES_LEFT.load(Ordering::SeqCst);
    if left == UNARMED {
        return false;
    }
    if left <= 1 {
        WRITES_LEFT.store(UNARMED, Ordering::SeqCst);
        return true;
    }
    WRITES_LEFT.store(left - 1, Ordering::SeqCst);
    false
}

/// Puts every file back as it was at its last sync, newest change first.
fn cut(unsynced: &mut Option<HashMap<String, Vec<Undo>>>) {
    CUT.store(true, Ordering::SeqCst);
    for (path, undos) in unsynced.take().unwrap_or_default() {
        let put_back = OpenOptions::new().write(true).open(&path).and_then(|file| {
            for undo in undos.iter().rev() {
                file.set_len(undo.old_len)?;
                file.write_all_at(&undo.old, undo.offset)?;
            }
            Ok(())
        });
        match put_back {
            Ok(()) => {}
            // A file deleted since (by SQLite, before the cut) has nothing to put back.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                *CUT_FAILURE.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{path}: {e}"));
            }
        }
    }
}

/// Our file: SQLite's header, then the default VFS's own file right after it in the same allocation.
#[repr(C)]
struct ShimFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// A `Box<String>` made at open and freed at close; null for a file without a name.
    path: *mut String,
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 2,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: None,
    xUnfetch: None,
};

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    REAL.load(Ordering::SeqCst) as *mut ffi::sqlite3_vfs
}

/// The wrapped file and its methods.
///
/// SAFETY: `file` is a `ShimFile` SQLite opened through `x_open` and has not closed.
unsafe fn real(file: *mut ffi::sqlite3_file) -> (*mut ffi::sqlite3_file, &'static ffi::sqlite3_io_methods) {
    let real = (*(file as *mut ShimFile)).real;
    (real, &*(*real).pMethods)
}

/// SAFETY: as for [`real`].
unsafe fn path_of(file: *mut ffi::sqlite3_file) -> Option<&'static str> {
    let path = (*(file as *mut ShimFile)).path;
    if path.is_null() {
        None
    } else {
        Some((*path).as_str())
    }
}

/// Reads `len` bytes at `offset` of the real file (what a write is about to replace).
///
/// SAFETY: as for [`real`].
unsafe fn read_real(file: *mut ffi::sqlite3_file, offset: u64, len: u64) -> Result<Vec<u8>, c_int> {
    let (real, methods) = real(file);
    let mut old = vec![0u8; len as usize];
    if len == 0 {
        return Ok(old);
    }
    let Some(read) = methods.xRead else {
        return Err(ffi::SQLITE_IOERR_READ);
    };
    match read(real, old.as_mut_ptr() as *mut c_void, len as c_int, offset as i64) {
        ffi::SQLITE_OK => Ok(old),
        rc => Err(rc),
    }
}

/// SAFETY: as for [`real`].
unsafe fn size_of_real(file: *mut ffi::sqlite3_file) -> Result<u64, c_int> {
    let (real, methods) = real(file);
    let Some(size) = methods.xFileSize else {
        return Err(ffi::SQLITE_IOERR_FSTAT);
    };
    let mut bytes: i64 = 0;
    match size(real, &mut bytes) {
        ffi::SQLITE_OK => Ok(bytes as u64),
        rc => Err(rc),
    }
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let vfs = real_vfs();
    let shim = file as *mut ShimFile;
    let real_file = (file as *mut u8).add(size_of::<ShimFile>()) as *mut ffi::sqlite3_file;
    (*shim).base.pMethods = ptr::null();
    let Some(open) = (*vfs).xOpen else {
        return ffi::SQLITE_CANTOPEN;
    };
    (*real_file).pMethods = ptr::null();
    let rc = open(vfs, name, real_file, flags, out_flags);
    if rc != ffi::SQLITE_OK {
        if let Some(close) = (*real_file).pMethods.as_ref().and_then(|m| m.xClose) {
            close(real_file);
        }
        return rc;
    }
    (*shim).real = real_file;
    (*shim).path = if name.is_null() {
        ptr::null_mut()
    } else {
        Box::into_raw(Box::new(CStr::from_ptr(name).to_string_lossy().into_owned()))
    };
    (*shim).base.pMethods = &METHODS;
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_delete(_vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    let mut unsynced = unsynced();
    if was_cut() {
        return ffi::SQLITE_IOERR_DELETE;
    }
    if !name.is_null() {
        let path = CStr::from_ptr(name).to_string_lossy();
        if let Some(files) = unsynced.as_mut() {
            files.remove(path.as_ref());
        }
    }
    let vfs = real_vfs();
    match (*vfs).xDelete {
        Some(delete) => delete(vfs, name, sync_dir),
        None => ffi::SQLITE_IOERR_DELETE,
    }
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    let (real, methods) = real(file);
    let rc = methods.xClose.map_or(ffi::SQLITE_OK, |close| close(real));
    let shim = file as *mut ShimFile;
    if !(*shim).path.is_null() {
        drop(Box::from_raw((*shim).path));
        (*shim).path = ptr::null_mut();
    }
    rc
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let (real, methods) = real(file);
    methods
        .xRead
        .map_or(ffi::SQLITE_IOERR_READ, |read| read(real, buf, amount, offset))
}

/// Remembers what `[offset, offset + len)` and the length were before a change of that range.
///
/// SAFETY: as for [`real`].
unsafe fn remember(
    unsynced: &mut Option<HashMap<String, Vec<Undo>>>,
    file: *mut ffi::sqlite3_file,
    offset: u64,
    len: u64,
) -> Result<(), c_int> {
    let Some(path) = path_of(file) else {
        return Ok(());
    };
    let old_len = size_of_real(file)?;
    let kept = old_len.saturating_sub(offset).min(len);
    let old = read_real(file, offset, kept)?;
    unsynced
        .get_or_insert_with(HashMap::new)
        .entry(path.to_string())
        .or_default()
        .push(Undo { offset, old, old_len });
    Ok(())
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let mut unsynced = unsynced();
    if was_cut() {
        return ffi::SQLITE_IOERR_WRITE;
    }
    if is_the_cut() {
        cut(&mut unsynced);
        return ffi::SQLITE_IOERR_WRITE;
    }
    if let Err(rc) = remember(&mut unsynced, file, offset as u64, amount as u64) {
        return rc;
    }
    let (real, methods) = real(file);
    methods
        .xWrite
        .map_or(ffi::SQLITE_IOERR_WRITE, |write| write(real, buf, amount, offset))
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let mut unsynced = unsynced();
    if was_cut() {
        return ffi::SQLITE_IOERR_TRUNCATE;
    }
    if is_the_cut() {
        cut(&mut unsynced);
        return ffi::SQLITE_IOERR_TRUNCATE;
    }
    if let Err(rc) = remember(&mut unsynced, file, size as u64, u64::MAX) {
        return rc;
    }
    let (real, methods) = real(file);
    methods
        .xTruncate
        .map_or(ffi::SQLITE_IOERR_TRUNCATE, |truncate| truncate(real, size))
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    let mut unsynced = unsynced();
    if was_cut() {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    if is_the_cut() {
        cut(&mut unsynced);
        return ffi::SQLITE_IOERR_FSYNC;
    }
    let (real, methods) = real(file);
    let rc = methods
        .xSync
        .map_or(ffi::SQLITE_IOERR_FSYNC, |sync| sync(real, flags));
    if rc == ffi::SQLITE_OK {
        if let (Some(path), Some(files)) = (path_of(file), unsynced.as_mut()) {
            files.remove(path);
        }
    }
    rc
}

unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    let (real, methods) = real(file);
    methods
        .xFileSize
        .map_or(ffi::SQLITE_IOERR_FSTAT, |f| f(real, size))
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let (real, methods) = real(file);
    methods.xLock.map_or(ffi::SQLITE_IOERR_LOCK, |f| f(real, level))
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let (real, methods) = real(file);
    methods
        .xUnlock
        .map_or(ffi::SQLITE_IOERR_UNLOCK, |f| f(real, level))
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    let (real, methods) = real(file);
    methods
        .xCheckReservedLock
        .map_or(ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, |f| f(real, out))
}

unsafe extern "C" fn x_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    let (real, methods) = real(file);
    methods
        .xFileControl
        .map_or(ffi::SQLITE_NOTFOUND, |f| f(real, op, arg))
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    let (real, methods) = real(file);
    methods.xSectorSize.map_or(4096, |f| f(real))
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    let (real, methods) = real(file);
    methods.xDeviceCharacteristics.map_or(0, |f| f(real))
}

unsafe extern "C" fn x_shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    let (real, methods) = real(file);
    methods
        .xShmMap
        .map_or(ffi::SQLITE_IOERR_SHMMAP, |f| f(real, region, size, extend, out))
}

unsafe extern "C" fn x_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    let (real, methods) = real(file);
    methods
        .xShmLock
        .map_or(ffi::SQLITE_IOERR_SHMLOCK, |f| f(real, offset, n, flags))
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    let (real, methods) = real(file);
    if let Some(f) = methods.xShmBarrier {
        f(real);
    }
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    let (real, methods) = real(file);
    methods.xShmUnmap.map_or(ffi::SQLITE_OK, |f| f(real, delete))
}
