//! The AOF directory on the running server (Redis 7's multi-part layout): opening it at startup
//! (creating it the first time), loading the base and incr files, rewrites (BGREWRITEAOF, the
//! automatic rule, CONFIG SET appendonly yes) with their manifest swaps, turning the AOF off,
//! flushing it on shutdown, and INFO's aof_* fields.
//!
//! A rewrite forks nothing and copies nothing: it opens a new incr file and switches the log to
//! it (so everything written from that instant on is in the new file), then starts the snapshot
//! pipeline of `persistence` — the store's point-in-time walker — writing the new base. The base
//! is exactly the dataset at the switch, so base + new incr is the whole state. When the base is
//! on disk the manifest is replaced atomically (temp, fsync, rename, fsync dir) with the new base
//! and the new incr; the older files become history and are deleted.
//!
//! Loading replays incr files through the ordinary command path with a client of its own, as
//! Redis's fake client; an unfinished MULTI at the end is never applied (its commands are only
//! queued), and is cut from the file with the rest of a torn tail.

use super::aof::{AofState, Writer};
use super::log;
use super::mailbox::Mailbox;
use super::persistence::{self, FileFormat, Purpose, SaveJob, Target};
use super::state::{Client, Engine};
use crate::config::{Config, SnapshotFormat};
use crate::persist::aof::{manifest, AofError, AofSet, BaseKind, FileKind, Item, Manifest, Reader};
use crate::persist::{self as pformat, Format};
use bytes::{Bytes, BytesMut};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// A failed automatic rewrite is retried only after this long (Redis waits too).
const RETRY_MS: u64 = 5_000;

/// Rewrite bookkeeping (INFO aof_rewrite_* fields).
pub struct RewriteStats {
    pub scheduled: bool,
    pub last_time_sec: i64,
    pub last_ok: bool,
    pub rewrites: u64,
    pub consecutive_failures: u64,
    pub running: Option<Running>,
    /// When the last automatic rewrite failed (unix ms), for the retry delay.
    pub last_failure_ms: u64,
}

impl Default for RewriteStats {
    fn default() -> Self {
        RewriteStats {
            scheduled: false,
            last_time_sec: -1,
            last_ok: true,
            rewrites: 0,
            consecutive_failures: 0,
            running: None,
            last_failure_ms: 0,
        }
    }
}

/// A rewrite under way.
pub struct Running {
    started: Instant,
    base_kind: BaseKind,
}

/// `dir/appenddirname`.
pub fn aof_dir(c: &Config) -> PathBuf {
    c.dir.join(&c.appenddirname)
}

/// What a rewrite's base is: a snapshot (`aof-use-rdb-preamble yes`, in the `snapshot-format`),
/// or RESP commands.
fn base_kind(c: &Config) -> BaseKind {
    match (c.aof_use_rdb_preamble, c.snapshot_format) {
        (true, SnapshotFormat::Native) => BaseKind::Zdb,
        (true, SnapshotFormat::Redis) => BaseKind::Rdb,
        (false, _) => BaseKind::Aof,
    }
}

fn file_format(k: BaseKind) -> FileFormat {
    match k {
        BaseKind::Zdb => FileFormat::Native,
        BaseKind::Rdb => FileFormat::Redis,
        BaseKind::Aof => FileFormat::Resp,
    }
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn aof_err(e: AofError) -> String {
    e.to_string()
}

// ---------------------------------------------------------------------------------------------
// Startup
// ---------------------------------------------------------------------------------------------

/// With `appendonly yes`: loads the AOF directory (creating it, with an empty base, the first
/// time) and opens the last incr file for appending. An error means the server must not start.
pub fn startup(eng: &mut Engine) -> Result<(), String> {
    let dir = aof_dir(&eng.config);
    let filename = eng.config.appendfilename.clone();
    let m = manifest::load(&dir, &filename).map_err(aof_err)?;
    let old_style = eng.config.dir.join(&filename);
    let m = match m {
        None if old_style.is_file() => Some(upgrade(eng, &dir, &filename, &old_style)?),
        m => m,
    };
    match m {
        None => {
            if let Some(p) = persistence::startup_file(&eng.config) {
                log::warning(&format!(
                    "appendonly is yes and there is no AOF yet, so {} is not loaded (as Redis does). To start from it, start with appendonly no, then CONFIG SET appendonly yes.",
                    p.display()
                ));
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("Can't create the AOF directory {}: {e}", dir.display()))?;
            let mut m = Manifest::new();
            let kind = base_kind(&eng.config);
            let base = m.new_base(&filename, kind);
            write_base_now(eng, &dir.join(&base), kind)?;
            log::notice(&format!("Creating AOF base file {base} on server start"));
            let incr = m.new_incr(&filename);
            create_file(&dir.join(&incr))?;
            log::notice(&format!("Creating AOF incr file {incr} on server start"));
            manifest::write_atomic(&dir, &filename, &m).map_err(aof_err)?;
            eng.aof.manifest = m;
        }
        Some(_) => {
            let set = AofSet::open(&dir, &filename).map_err(|e| {
                format!(
                    "{e}. Check the AOF directory, or fix it with `zedis-aof verify/fix {}`",
                    dir.join(manifest::manifest_name(&filename)).display()
                )
            })?;
            begin_load(eng, set);
            return Ok(());
        }
    }
    open_for_append(eng)
}

/// A single-file AOF of Redis 4-6 (`dir/appendonly.aof`): moved into the AOF directory as its
/// base, under a new manifest, as Redis 7 upgrades it.
fn upgrade(eng: &mut Engine, dir: &Path, filename: &str, old: &Path) -> Result<Manifest, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("Can't create the AOF directory {}: {e}", dir.display()))?;
    let m =
        Manifest::parse(format!("file {filename} seq 1 type b\n").as_bytes()).map_err(aof_err)?;
    std::fs::rename(old, dir.join(filename))
        .map_err(|e| format!("Can't move {} into {}: {e}", old.display(), dir.display()))?;
    sync_dir(&eng.config.dir);
    manifest::write_atomic(dir, filename, &m).map_err(aof_err)?;
    log::notice(&format!(
        "Successfully migrated an old-style AOF into the AOF directory {}",
        dir.display()
    ));
    Ok(m)
}

fn create_file(p: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(p)
        .map_err(|e| format!("Can't create {}: {e}", p.display()))
}

/// Writes the current dataset as a base file right now (at startup, where it is empty or just
/// loaded), through the snapshot pipeline.
fn write_base_now(eng: &mut Engine, dst: &Path, kind: BaseKind) -> Result<(), String> {
    let tmp = dst.with_file_name(format!("temp-rewriteaof-{}.aof", std::process::id()));
    let target = Target {
        tmp,
        dst: dst.to_path_buf(),
        format: file_format(kind),
    };
    persistence::save_to(eng, target).map(|_| ())
}

/// The id of the client that replays AOF commands (it alone may run commands while loading).
pub const REPLAY_CLIENT_ID: u64 = u64::MAX;

/// Commands replayed between two looks at the clock (and at the clients, who get `-LOADING`).
const REPLAY_BATCH: usize = 1024;
/// How long one replay slice may keep the loop from its clients.
const REPLAY_SLICE: std::time::Duration = std::time::Duration::from_millis(20);

/// An AOF load under way: the base on the snapshot loader thread, then the RESP files replayed
/// on the store thread a slice at a time between messages, while clients get `-LOADING`.
pub struct AofLoad {
    set: AofSet,
    /// Index in `set.files` of the file being replayed (or next to replay).
    next: usize,
    cur: Option<Replay>,
    started: Instant,
    /// Bytes of every file, and of the files finished so far (INFO loading_* fields).
    pub total_bytes: u64,
    done_bytes: u64,
    pub start_secs: u64,
}

/// One RESP file being replayed.
struct Replay {
    reader: Reader<BufReader<File>>,
    path: PathBuf,
    last: bool,
    /// Offset of the MULTI whose EXEC has not been read yet.
    open_multi: Option<u64>,
    client: Box<Client>,
    out: BytesMut,
}

impl AofLoad {
    /// Bytes read so far.
    pub fn loaded_bytes(&self) -> u64 {
        self.done_bytes + self.cur.as_ref().map_or(0, |r| r.reader.offset())
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// Starts loading `set`: a snapshot base goes to the loader thread; RESP files wait for `tick`.
fn begin_load(eng: &mut Engine, set: AofSet) {
    let total_bytes = set.files.iter().map(|f| file_len(&f.path)).sum();
    let mut load = AofLoad {
        set,
        next: 0,
        cur: None,
        started: Instant::now(),
        total_bytes,
        done_bytes: 0,
        start_secs: eng.store.now_ms / 1000,
    };
    if let Some(base) = load.set.files.first() {
        if base.kind == FileKind::Base && is_snapshot(&base.path) {
            log::notice(&format!("Loading the AOF base file {}", base.name));
            persistence::start_loading_file(eng, base.path.clone());
            load.done_bytes = file_len(&base.path);
            load.next = 1;
        }
    }
    eng.aof.loading = Some(load);
}

/// Whether a base file is a snapshot (zdb or RDB) rather than RESP — an `.aof` file that starts
/// with `REDIS` is an RDB preamble followed by commands, which the replay reads.
fn is_snapshot(path: &Path) -> bool {
    let mut head = [0u8; 16];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let resp_name = path.extension().is_some_and(|e| e == "aof");
    match pformat::detect(&head[..n]) {
        Some(Format::Zdb) => true,
        Some(Format::Rdb) => !resp_name,
        _ => false,
    }
}

/// Between messages: replays the next slice of the AOF; at the end, opens it for appending.
pub fn tick(eng: &mut Engine) {
    if eng.aof.loading.is_none() || eng.persist.loading.is_some() || eng.shutdown.is_some() {
        // Nothing to do, or the base is still on the loader thread.
        return;
    }
    let deadline = Instant::now() + REPLAY_SLICE;
    loop {
        match replay_step(eng) {
            Ok(true) => break finish_load(eng),
            Ok(false) if Instant::now() >= deadline => break,
            Ok(false) => {}
            Err(e) => {
                eng.aof.loading = None;
                persistence::fail_load(eng, &e);
                break;
            }
        }
    }
}

/// Replays up to `REPLAY_BATCH` commands. Ok(true) when every file is done.
fn replay_step(eng: &mut Engine) -> Result<bool, String> {
    let Some(mut load) = eng.aof.loading.take() else {
        return Ok(true);
    };
    let r = replay_some(eng, &mut load);
    eng.aof.loading = Some(load);
    r
}

fn replay_some(eng: &mut Engine, load: &mut AofLoad) -> Result<bool, String> {
    if load.cur.is_none() {
        let Some(f) = load.set.files.get(load.next) else {
            return Ok(true);
        };
        let path = f.path.clone();
        let last = load.next + 1 == load.set.files.len();
        load.next += 1;
        let file = File::open(&path).map_err(|e| format!("Can't open {}: {e}", path.display()))?;
        let mut client = Box::new(Client::new(
            REPLAY_CLIENT_ID,
            String::new(),
            String::new(),
            -1,
            false,
            Arc::new(Mailbox::new()),
            eng.store.now_ms,
        ));
        client.authenticated = true;
        load.cur = Some(Replay {
            reader: Reader::new(BufReader::with_capacity(1 << 20, file)).with_file(&path),
            path,
            last,
            open_multi: None,
            client,
            out: BytesMut::with_capacity(4096),
        });
    }
    let Some(rp) = load.cur.as_mut() else {
        return Ok(false);
    };
    let manifest_hint = "make a backup of the AOF directory, then check it with `zedis-aof verify` and repair it with `zedis-aof fix`";
    let mut clock = Instant::now();
    eng.store.now_ms = super::clock::unix_millis();
    for _ in 0..REPLAY_BATCH {
        let item = match rp.reader.next() {
            Ok(Some(item)) => item,
            Ok(None) => {
                if let Some(at) = rp.open_multi {
                    cut_tail(
                        eng,
                        &rp.path,
                        at,
                        rp.last,
                        "an unfinished MULTI/EXEC transaction",
                    )?;
                }
                return end_file(eng, load);
            }
            Err(AofError::Truncated { offset, line, .. }) => {
                let at = rp.open_multi.unwrap_or(offset);
                let why = format!("a truncated command after byte {offset} (line {line})");
                cut_tail(eng, &rp.path, at, rp.last, &why)?;
                return end_file(eng, load);
            }
            Err(e) => {
                return Err(format!(
                    "Bad file format reading the append only file: {e}; {manifest_hint}"
                ))
            }
        };
        let (offset, line, argv) = match item {
            Item::Command { offset, line, argv } => (offset, line, argv),
            Item::RdbPreamble => {
                // A snapshot first, then commands (Redis 4-6 `aof-use-rdb-preamble`).
                let lim = persistence::limits(&eng.config);
                let now = eng.store.now_ms;
                let mut v = persistence::Loader::new(&mut eng.store, now);
                rp.reader
                    .read_preamble(&mut v, &lim)
                    .map_err(|e| format!("Bad RDB preamble: {e}; {manifest_hint}"))?;
                continue;
            }
            _ => continue,
        };
        if argv.is_empty() {
            continue;
        }
        if crate::commands::lookup(&argv[0]).is_none() {
            return Err(format!(
                "Unknown command '{}' reading the append only file {} at byte {offset} (line {line}); {manifest_hint}",
                String::from_utf8_lossy(&argv[0]),
                rp.path.display()
            ));
        }
        if argv[0].eq_ignore_ascii_case(b"multi") {
            rp.open_multi = Some(offset);
        } else if argv[0].eq_ignore_ascii_case(b"exec") {
            rp.open_multi = None;
        }
        let args: Vec<Bytes> = argv.into_iter().map(Bytes::from).collect();
        rp.out.clear();
        crate::commands::execute(eng, &mut rp.client, &args, &mut rp.out, &mut clock);
    }
    // Keys found expired while replaying are not logged anywhere (nothing is being logged yet).
    eng.store.expired.clear();
    Ok(false)
}

/// A file is done: account for it and go on with the next.
fn end_file(eng: &mut Engine, load: &mut AofLoad) -> Result<bool, String> {
    if let Some(rp) = load.cur.take() {
        load.done_bytes += file_len(&rp.path);
    }
    eng.store.expired.clear();
    Ok(load.next >= load.set.files.len())
}

/// Every file is in: sizes, history clean-up, and the log opens for appending.
fn finish_load(eng: &mut Engine) {
    let Some(load) = eng.aof.loading.take() else {
        return;
    };
    let mut base_size = 0;
    let mut incr_sizes = Vec::new();
    for f in &load.set.files {
        match f.kind {
            FileKind::Base => base_size = file_len(&f.path),
            _ => incr_sizes.push(file_len(&f.path)),
        }
    }
    // The last incr is the file appended to; the others only count in the total.
    incr_sizes.pop();
    eng.aof.base_size = base_size;
    eng.aof.older_incr_size = incr_sizes.iter().sum();
    eng.aof.manifest = load.set.manifest.clone();
    let keys: u64 = (0..eng.store.databases())
        .map(|d| eng.store.db(d).len() as u64)
        .sum();
    log::notice(&format!(
        "DB loaded from append only file: {:.3} seconds ({keys} keys)",
        load.elapsed_secs()
    ));
    let dir = aof_dir(&eng.config);
    let filename = eng.config.appendfilename.clone();
    // A crash during a rewrite can leave history files behind: delete them now.
    let r = delete_history(eng, &dir, &filename).and_then(|()| open_for_append(eng));
    if let Err(e) = r {
        persistence::fail_load(eng, &e);
    }
}

/// A torn tail (or an unfinished transaction) at the end of the last file: cut it off when
/// `aof-load-truncated yes`, else refuse to start.
fn cut_tail(eng: &mut Engine, path: &Path, at: u64, last: bool, why: &str) -> Result<(), String> {
    let name = path.display();
    if !last || !eng.config.aof_load_truncated {
        let hint = if last {
            "set aof-load-truncated yes and restart (the tail is then cut off), or"
        } else {
            "this is not the last file, so it cannot be cut automatically;"
        };
        return Err(format!(
            "Unexpected end of file reading the append only file {name}: {why}. You can: {hint} make a backup of the AOF directory and repair it with `zedis-aof fix`."
        ));
    }
    log::warning(&format!(
        "!!! Warning: short read while loading the AOF file {name}: {why} !!!"
    ));
    log::warning(&format!(
        "AOF {name} loaded anyway because aof-load-truncated is enabled; the file is cut to its last valid command, at byte {at}"
    ));
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("Can't open {name} to cut its torn tail: {e}"))?;
    f.set_len(at)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("Error truncating the AOF file {name}: {e}"))?;
    Ok(())
}

/// Opens the newest incr file (a new one if the manifest has none) and starts logging.
fn open_for_append(eng: &mut Engine) -> Result<(), String> {
    let dir = aof_dir(&eng.config);
    let filename = eng.config.appendfilename.clone();
    if eng.aof.manifest.incrs().next().is_none() {
        let mut m = eng.aof.manifest.clone();
        let incr = m.new_incr(&filename);
        create_file(&dir.join(&incr))?;
        manifest::write_atomic(&dir, &filename, &m).map_err(aof_err)?;
        eng.aof.manifest = m;
    }
    let Some(last) = eng.aof.manifest.incrs().last().map(|e| e.name.clone()) else {
        return Err("internal: no incr file after creating one".into());
    };
    let path = dir.join(&last);
    let file = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| format!("Can't open the append-only file {}: {e}", path.display()))?;
    let len = file_len(&path);
    if eng.aof.base_size == 0 {
        if let Some(b) = eng.aof.manifest.base() {
            eng.aof.base_size = file_len(&dir.join(&b.name));
        }
    }
    let w = Writer::start(
        file,
        len,
        eng.config.appendfsync,
        eng.aof.release_on.clone(),
    )
    .map_err(|e| format!("Can't start the AOF writer thread: {e}"))?;
    eng.aof.writer = Some(w);
    eng.aof.state = AofState::On;
    eng.aof.reset_selected();
    eng.prop.enabled = true;
    eng.aof.rewrite_base_size = current_size(eng);
    Ok(())
}

/// aof_current_size: base + every incr file.
pub fn current_size(eng: &Engine) -> u64 {
    eng.aof.base_size + eng.aof.older_incr_size + eng.aof.incr_len()
}

fn delete_history(eng: &mut Engine, dir: &Path, filename: &str) -> Result<(), String> {
    if eng.aof.manifest.history().next().is_none() {
        return Ok(());
    }
    let mut m = eng.aof.manifest.clone();
    for h in m.take_history() {
        log::notice(&format!("Removing the history file {}", h.name));
        let _ = std::fs::remove_file(dir.join(&h.name));
    }
    manifest::write_atomic(dir, filename, &m).map_err(aof_err)?;
    eng.aof.manifest = m;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rewrite
// ---------------------------------------------------------------------------------------------

/// BGREWRITEAOF's reply, or its error.
pub fn bgrewriteaof(eng: &mut Engine, in_exec: bool) -> Result<&'static str, String> {
    if eng.aof.rewrite.running.is_some() {
        return Err("Background append only file rewriting already in progress".into());
    }
    if eng.persist.job.is_some() || in_exec {
        eng.aof.rewrite.scheduled = true;
        return Ok("Background append only file rewriting scheduled");
    }
    start_rewrite(eng).map_err(|e| {
        log::warning(&e);
        "Can't execute an AOF background rewriting. Please check the server logs for more information.".to_string()
    })?;
    Ok("Background append only file rewriting started")
}

/// Starts a rewrite: new incr file (switching the log to it), then the base through the
/// snapshot pipeline.
pub fn start_rewrite(eng: &mut Engine) -> Result<(), String> {
    if eng.persist.job.is_some() {
        return Err("a background save is in progress".into());
    }
    let dir = aof_dir(&eng.config);
    let filename = eng.config.appendfilename.clone();
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("Can't create the AOF directory {}: {e}", dir.display()))?;
    let kind = base_kind(&eng.config);
    match eng.aof.state {
        AofState::On => {
            let mut m = eng.aof.manifest.clone();
            let incr = m.new_incr(&filename);
            let file = create_file(&dir.join(&incr))?;
            manifest::write_atomic(&dir, &filename, &m).map_err(aof_err)?;
            log::notice(&format!(
                "Creating AOF incr file {incr} on background rewrite"
            ));
            eng.aof.older_incr_size += eng.aof.incr_len();
            eng.aof.manifest = m;
            eng.aof.switch_file(file);
            eng.aof.reset_selected();
        }
        AofState::WaitRewrite => {
            // Logging goes to a temp incr file the manifest names only once the base exists.
            let tmp = dir.join(manifest::temp_incr_name(&filename));
            let file = create_file(&tmp)?;
            let w = Writer::start(file, 0, eng.config.appendfsync, eng.aof.release_on.clone())
                .map_err(|e| format!("Can't start the AOF writer thread: {e}"))?;
            if let Some(old) = eng.aof.writer.replace(w) {
                let _ = old.stop();
            }
            eng.aof.reset_selected();
            eng.prop.enabled = true;
        }
        AofState::Off => {}
    }
    let base = manifest::base_name(&filename, eng.aof.manifest.next_base_seq(), kind);
    let target = Target {
        tmp: dir.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id())),
        dst: dir.join(&base),
        format: file_format(kind),
    };
    let (processed, writer) = persistence::begin_to(eng, target)?;
    eng.persist.job = Some(SaveJob::new(Purpose::AofRewrite, eng, processed, writer));
    eng.aof.rewrite.running = Some(Running {
        started: Instant::now(),
        base_kind: kind,
    });
    eng.aof.rewrite.scheduled = false;
    log::notice("Background append only file rewriting started");
    Ok(())
}

/// The base of a rewrite is on disk (or the save failed): swap the manifest.
pub fn rewrite_done(eng: &mut Engine, r: Result<persistence::SaveDone, String>, secs: i64) {
    let Some(run) = eng.aof.rewrite.running.take() else {
        return;
    };
    eng.aof.rewrite.last_time_sec = secs;
    let r = r.and_then(|done| install(eng, run.base_kind).map(|()| done));
    match r {
        Ok(done) => {
            eng.aof.base_size = done.bytes;
            eng.aof.older_incr_size = 0;
            eng.aof.rewrite_base_size = current_size(eng);
            eng.aof.rewrite.last_ok = true;
            eng.aof.rewrite.rewrites += 1;
            eng.aof.rewrite.consecutive_failures = 0;
            if eng.aof.state == AofState::WaitRewrite {
                eng.aof.state = AofState::On;
            }
            log::notice(&format!(
                "Background AOF rewrite finished successfully ({} keys, base {} bytes, {:.3} s)",
                done.keys,
                done.bytes,
                run.started.elapsed().as_secs_f64()
            ));
        }
        Err(e) => {
            log::warning(&format!(
                "Background AOF rewrite terminated with error: {e}"
            ));
            eng.aof.rewrite.last_ok = false;
            eng.aof.rewrite.consecutive_failures += 1;
            eng.aof.rewrite.last_failure_ms = eng.store.now_ms;
            if eng.aof.state == AofState::WaitRewrite {
                // Turning the AOF on needs a base: try again.
                eng.aof.rewrite.scheduled = true;
            }
        }
    }
}

/// The new base exists: a manifest naming it and the incr file opened at the rewrite's start
/// replaces the old one; the files it no longer names are deleted.
fn install(eng: &mut Engine, kind: BaseKind) -> Result<(), String> {
    let dir = aof_dir(&eng.config);
    let filename = eng.config.appendfilename.clone();
    let mut m = eng.aof.manifest.clone();
    let base = m.new_base(&filename, kind);
    log::notice(&format!(
        "Successfully renamed the temporary AOF base file into {base}"
    ));
    match eng.aof.state {
        AofState::On => m.incrs_to_history(true),
        AofState::WaitRewrite => {
            m.incrs_to_history(false);
            let incr = m.new_incr(&filename);
            let tmp = dir.join(manifest::temp_incr_name(&filename));
            // The writer keeps appending through its open descriptor across the rename.
            std::fs::rename(&tmp, dir.join(&incr))
                .map_err(|e| format!("Can't rename {} to {incr}: {e}", tmp.display()))?;
            sync_dir(&dir);
        }
        AofState::Off => m.incrs_to_history(false),
    }
    manifest::write_atomic(&dir, &filename, &m).map_err(aof_err)?;
    eng.aof.manifest = m;
    delete_history(eng, &dir, &filename)
}

/// A rewrite was abandoned (shutdown, DEBUG RELOAD, appendonly no).
pub fn rewrite_killed(eng: &mut Engine) {
    if eng.aof.rewrite.running.take().is_some() {
        log::notice("Killing running AOF rewrite");
        if eng.aof.state == AofState::WaitRewrite {
            // Turning the AOF on did not finish: it stays off.
            stop_writer(eng);
            let tmp =
                aof_dir(&eng.config).join(manifest::temp_incr_name(&eng.config.appendfilename));
            let _ = std::fs::remove_file(tmp);
            eng.aof.state = AofState::Off;
            eng.prop.enabled = false;
            eng.config.appendonly = false;
        }
    }
}

/// Scheduled rewrites and the automatic rule (`auto-aof-rewrite-percentage` growth over the size
/// after the last rewrite, above `auto-aof-rewrite-min-size`), from the cron.
pub fn cron(eng: &mut Engine) {
    if eng.persist.job.is_some() || eng.persist.loading.is_some() {
        return;
    }
    let retry_ok = eng.aof.rewrite.consecutive_failures == 0
        || eng
            .store
            .now_ms
            .saturating_sub(eng.aof.rewrite.last_failure_ms)
            > RETRY_MS;
    if eng.aof.rewrite.scheduled && retry_ok {
        if let Err(e) = start_rewrite(eng) {
            log::warning(&e);
            eng.aof.rewrite.last_failure_ms = eng.store.now_ms;
            eng.aof.rewrite.consecutive_failures += 1;
        }
        return;
    }
    let perc = eng.config.auto_aof_rewrite_percentage as u64;
    if eng.aof.state != AofState::On || perc == 0 || !retry_ok {
        return;
    }
    let size = current_size(eng);
    let base = eng.aof.rewrite_base_size.max(1);
    if size > eng.config.auto_aof_rewrite_min_size && size > base {
        let growth = (size - base) * 100 / base;
        if growth >= perc {
            log::notice(&format!(
                "Starting automatic rewriting of AOF on {growth}% growth"
            ));
            if let Err(e) = start_rewrite(eng) {
                log::warning(&e);
                eng.aof.rewrite.last_failure_ms = eng.store.now_ms;
                eng.aof.rewrite.consecutive_failures += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// On, off, shutdown
// ---------------------------------------------------------------------------------------------

/// CONFIG SET appendonly yes: log from now on into a temp incr file and write the base; the
/// AOF is complete (and named by the manifest) when the rewrite ends.
pub fn enable(eng: &mut Engine) -> Result<(), String> {
    if eng.aof.state != AofState::Off {
        return Ok(());
    }
    if eng.persist.job.is_some() {
        // A BGSAVE holds the walker: start as soon as it ends.
        persistence::kill_snapshot_job(eng);
    }
    let dir = aof_dir(&eng.config);
    if let Some(m) = manifest::load(&dir, &eng.config.appendfilename).map_err(aof_err)? {
        eng.aof.manifest = m;
    }
    eng.aof.state = AofState::WaitRewrite;
    if let Err(e) = start_rewrite(eng) {
        stop_writer(eng);
        eng.aof.state = AofState::Off;
        eng.prop.enabled = false;
        return Err(e);
    }
    Ok(())
}

/// CONFIG SET appendonly no: flush and fsync what is logged, stop logging.
pub fn disable(eng: &mut Engine) {
    if eng.aof.rewrite.running.is_some() {
        persistence::kill_bgsave(eng);
    }
    stop_writer(eng);
    eng.aof.state = AofState::Off;
    eng.prop.enabled = false;
}

fn stop_writer(eng: &mut Engine) {
    eng.aof.submit();
    if let Some(w) = eng.aof.writer.take() {
        if let Err(e) = w.stop() {
            log::warning(&format!("Error flushing the AOF file: {e}"));
        }
    }
}

/// Before exiting: everything logged must reach the file; a write error that persists makes the
/// shutdown fail (the server keeps running and says why), as Redis refuses to exit when its final
/// save fails.
pub fn flush_for_shutdown(eng: &mut Engine) -> Result<(), String> {
    crate::commands::propagate::log_server_deletes(eng);
    eng.aof.submit();
    match &eng.aof.writer {
        Some(w) => w
            .drain(std::time::Duration::from_secs(5))
            .map_err(|e| format!("Errors trying to write the AOF file before exiting: {e}")),
        None => Ok(()),
    }
}

/// On the way out: everything logged is written and fsynced.
pub fn shutdown(eng: &mut Engine) {
    if eng.aof.writer.is_some() {
        crate::commands::propagate::log_server_deletes(eng);
        log::notice("Calling fsync() on the AOF file.");
        stop_writer(eng);
    }
}

/// INFO persistence's aof_* lines, in Redis's order.
pub fn info(eng: &Engine, s: &mut String, before_module_fork: bool) {
    use std::fmt::Write as _;
    let a = &eng.aof;
    let r = &a.rewrite;
    let mut kv = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(s, "{k}:{v}\r\n");
    };
    if before_module_fork {
        kv("aof_enabled", &((a.state != AofState::Off) as u8));
        kv("aof_rewrite_in_progress", &(r.running.is_some() as u8));
        kv("aof_rewrite_scheduled", &(r.scheduled as u8));
        kv("aof_last_rewrite_time_sec", &r.last_time_sec);
        kv(
            "aof_current_rewrite_time_sec",
            &r.running
                .as_ref()
                .map_or(-1, |x| x.started.elapsed().as_secs() as i64),
        );
        kv(
            "aof_last_bgrewrite_status",
            &if r.last_ok { "ok" } else { "err" },
        );
        kv("aof_rewrites", &r.rewrites);
        kv("aof_rewrites_consecutive_failures", &r.consecutive_failures);
        kv(
            "aof_last_write_status",
            &if a.write_failed() { "err" } else { "ok" },
        );
        kv("aof_last_cow_size", &0);
        return;
    }
    if a.state != AofState::Off {
        let (queued, delayed) = a.writer_stats();
        kv("aof_current_size", &current_size(eng));
        kv("aof_base_size", &a.base_size);
        kv("aof_pending_rewrite", &(r.scheduled as u8));
        kv("aof_buffer_length", &queued);
        kv("aof_pending_bio_fsync", &0);
        kv("aof_delayed_fsync", &delayed);
    }
}

/// The `-MISCONF` error while AOF writes fail.
pub fn write_refusal(eng: &Engine) -> Option<String> {
    if eng.aof.write_failed() {
        let why = eng.aof.last_error().unwrap_or_default();
        Some(format!("{}{why}", super::aof::MISCONF_PREFIX))
    } else {
        None
    }
}
