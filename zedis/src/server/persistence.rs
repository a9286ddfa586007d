//! Snapshots on the running server: SAVE, fork-less BGSAVE, save points, loading at startup
//! (with `-LOADING` replies meanwhile), DEBUG RELOAD, saving on shutdown, and the INFO
//! persistence numbers.
//!
//! The pipeline has two halves. On the store thread, a [`SnapshotSink`] fed by the store's
//! point-in-time walker (`store::snapshot`) encodes entries into uncompressed blocks (native
//! format) or RDB byte chunks; encoding needs the values, and only the store thread may look at
//! them. Everything else — lz4 compression, checksums, file writes, fsync, rename — runs on a
//! writer thread fed through a channel. The bytes in flight are counted, and the walker waits
//! (`SnapshotSink::ready`) while they exceed `BACKLOG_LIMIT`, which bounds BGSAVE's extra memory
//! whatever the disk speed. Loading runs on its own thread into a fresh `Store` that is adopted
//! when complete, so the event loop keeps answering (`-LOADING`) in the meantime.

use super::affinity::Role;
use super::log;
use super::state::Engine;
use crate::config::{Config, SnapshotFormat};
use crate::persist::{self, build, rdb, zdb, Format, PersistError, Record, Visitor};
use crate::store::{evict, idle_secs, lru_clock, Entry, SnapshotSink, Store, LRU_CLOCK_MAX};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Encoded bytes the walker may run ahead of the writer thread.
const BACKLOG_LIMIT: usize = 8 << 20;
/// Entries per walker step (the unit between clock checks).
const STEP_ENTRIES: usize = 128;
/// While clients are sending commands the walker works in slices of `BUSY_SLICE` at most once per
/// `BUSY_PERIOD` (a quarter of the store thread), so a request waits at most one slice; when no
/// command ran since the last slice it takes `IDLE_SLICE` at a time.
const BUSY_SLICE: Duration = Duration::from_micros(250);
const BUSY_PERIOD: Duration = Duration::from_millis(1);
const IDLE_SLICE: Duration = Duration::from_millis(2);
const IDLE_AFTER: Duration = Duration::from_millis(2);
/// Uncompressed size of a native block, and of an RDB chunk handed to the writer.
const BLOCK_TARGET: usize = 256 << 10;
/// Redis retries a failed automatic BGSAVE only after this long.
const BGSAVE_RETRY_MS: u64 = 5_000;

/// Redis's text for writes refused after a failed background save.
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";

/// Snapshot state the engine keeps.
pub struct Persistence {
    pub last_bgsave_ok: bool,
    /// Duration of the last background save in seconds; -1 before the first.
    pub last_bgsave_time_sec: i64,
    /// SAVE + BGSAVE runs (INFO `rdb_saves`).
    pub saves: u64,
    /// BGSAVE asked for while it could not start (inside EXEC): start it from the cron.
    pub bgsave_scheduled: bool,
    /// When the last background save was attempted (unix ms), for the retry delay.
    pub last_bgsave_try_ms: u64,
    pub job: Option<SaveJob>,
    pub loading: Option<Loading>,
    /// Process exit code when the server stops (1 after a failed load).
    pub exit_code: i32,
    /// The dataset did not load: never save over the file on the way out.
    pub load_failed: bool,
    /// Keys loaded and keys dropped as expired by the last load.
    pub last_load_keys: u64,
    pub last_load_expired: u64,
    /// Walker pacing: commands processed at the last slice, and the earliest next busy slice.
    walk_seen_cmds: u64,
    last_cmd_seen: Instant,
    next_walk: Instant,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            last_bgsave_ok: true,
            last_bgsave_time_sec: -1,
            saves: 0,
            bgsave_scheduled: false,
            last_bgsave_try_ms: 0,
            job: None,
            loading: None,
            exit_code: 0,
            load_failed: false,
            last_load_keys: 0,
            last_load_expired: 0,
            walk_seen_cmds: 0,
            last_cmd_seen: Instant::now(),
            next_walk: Instant::now(),
        }
    }
}

/// A background save under way.
pub struct SaveJob {
    pub purpose: Purpose,
    pub started: Instant,
    dirty_at_start: u64,
    pub keys_total: u64,
    pub processed: Arc<AtomicU64>,
    writer: Writer,
}

impl SaveJob {
    /// A background job over a pipeline `begin_to` started.
    pub fn new(
        purpose: Purpose,
        eng: &Engine,
        processed: Arc<AtomicU64>,
        writer: Writer,
    ) -> SaveJob {
        SaveJob {
            purpose,
            started: Instant::now(),
            dirty_at_start: eng.dirty,
            keys_total: total_keys(&eng.store),
            processed,
            writer,
        }
    }

    pub fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

/// What a finished save wrote.
#[derive(Debug, Clone, Copy)]
pub struct SaveDone {
    pub bytes: u64,
    pub keys: u64,
}

/// A load under way on its own thread.
pub struct Loading {
    pub start_secs: u64,
    pub total_bytes: u64,
    pub loaded: Arc<AtomicU64>,
    pub started: Instant,
    path: PathBuf,
    handle: JoinHandle<Result<Loaded, String>>,
}

/// A dataset read from a file.
pub struct Loaded {
    pub store: Store,
    pub keys: u64,
    pub expired: u64,
    pub format: Format,
}

/// The encoding thresholds in force, for building loaded values.
pub fn limits(c: &Config) -> build::Limits {
    build::Limits::from_config(c)
}

/// Where SAVE writes and startup reads.
pub fn snapshot_path(c: &Config) -> PathBuf {
    c.dir.join(&c.dbfilename)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

enum Chunk {
    Block(zdb::RawBlock),
    Bytes(Vec<u8>),
    /// The walk is complete; per-database (db, keys, expires) for the trailer.
    Done(Vec<(u32, u64, u64)>),
}

impl Chunk {
    fn len(&self) -> usize {
        match self {
            Chunk::Block(b) => b.bytes.len(),
            Chunk::Bytes(b) => b.len(),
            Chunk::Done(_) => 0,
        }
    }
}

/// What a save writes: a snapshot in either format, or an AOF rewrite's RESP base file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Native,
    Redis,
    Resp,
}

impl From<SnapshotFormat> for FileFormat {
    fn from(f: SnapshotFormat) -> Self {
        match f {
            SnapshotFormat::Native => FileFormat::Native,
            SnapshotFormat::Redis => FileFormat::Redis,
        }
    }
}

/// Where a save goes: written to `tmp`, renamed to `dst`.
pub struct Target {
    pub tmp: PathBuf,
    pub dst: PathBuf,
    pub format: FileFormat,
}

/// Why a background save runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Snapshot,
    /// The new base file of an AOF rewrite (`server::aof_files`).
    AofRewrite,
}

enum Enc {
    Zdb(zdb::BlockBuilder),
    Resp {
        buf: Vec<u8>,
        rewriter: crate::persist::aof::Rewriter,
    },
    Rdb {
        buf: Vec<u8>,
        db: Option<usize>,
        compress: bool,
    },
}

/// The store-thread half: encodes entries and hands finished pieces to the writer thread.
struct Sink {
    enc: Enc,
    tx: Sender<Chunk>,
    backlog: Arc<AtomicUsize>,
    processed: Arc<AtomicU64>,
    counts: BTreeMap<u32, (u64, u64)>,
    /// The snapshot's moment, for LRU idle times.
    now_ms: u64,
    /// Under an LFU policy, the decay time: keys are saved with their LFU counter instead of an
    /// idle time, as Redis does.
    lfu_decay: Option<u32>,
}

/// What a snapshot records of a key's access history: its LFU counter under an LFU policy
/// (`lfu_decay` set), its idle time otherwise, as Redis does.
fn access_meta(e: &Entry, now_ms: u64, lfu_decay: Option<u32>) -> (Option<u64>, Option<u8>) {
    match lfu_decay {
        Some(decay) => (None, Some(evict::lfu_decayed(e.lru, now_ms, decay))),
        None => (Some(idle_secs(e.lru, now_ms)), None),
    }
}

/// Hands a chunk to the writer thread, counting it in the backlog.
fn send(tx: &Sender<Chunk>, backlog: &AtomicUsize, c: Chunk) {
    backlog.fetch_add(c.len(), Ordering::Relaxed);
    // A closed channel means the writer failed; the server notices when it joins the writer.
    let _ = tx.send(c);
}

impl Sink {
    fn flush_full(&mut self) {
        match &mut self.enc {
            Enc::Zdb(b) => {
                while let Some(blk) = b.take_full() {
                    send(&self.tx, &self.backlog, Chunk::Block(blk));
                }
            }
            Enc::Rdb { buf, .. } | Enc::Resp { buf, .. } => {
                if buf.len() >= BLOCK_TARGET {
                    let b = std::mem::take(buf);
                    send(&self.tx, &self.backlog, Chunk::Bytes(b));
                }
            }
        }
    }
}

impl SnapshotSink for Sink {
    fn entry(&mut self, db: usize, e: &Entry) {
        let (idle, freq) = access_meta(e, self.now_ms, self.lfu_decay);
        let dbn = db as u32;
        match &mut self.enc {
            Enc::Zdb(b) => b.push_key(dbn, &e.key, &e.value, e.expire_at, idle, freq),
            Enc::Rdb {
                buf,
                db: cur,
                compress,
            } => {
                if *cur != Some(db) {
                    rdb::encode_select_db(buf, dbn, 0, 0);
                    *cur = Some(db);
                }
                rdb::encode_key(buf, &e.key, &e.value, e.expire_at, idle, freq, *compress);
            }
            Enc::Resp { buf, rewriter } => {
                rewriter.key(buf, dbn, &e.key, &e.value, e.expire_at);
            }
        }
        let c = self.counts.entry(dbn).or_default();
        c.0 += 1;
        if e.expire_at != 0 {
            c.1 += 1;
        }
        self.processed.fetch_add(1, Ordering::Relaxed);
        self.flush_full();
    }

    fn ready(&self) -> bool {
        self.backlog.load(Ordering::Relaxed) < BACKLOG_LIMIT
    }

    fn complete(mut self: Box<Self>) {
        match &mut self.enc {
            Enc::Zdb(b) => {
                while let Some(blk) = b.take_full() {
                    send(&self.tx, &self.backlog, Chunk::Block(blk));
                }
                while let Some(blk) = b.finish() {
                    send(&self.tx, &self.backlog, Chunk::Block(blk));
                }
            }
            Enc::Rdb { buf, .. } => {
                rdb::encode_eof(buf);
                let b = std::mem::take(buf);
                send(&self.tx, &self.backlog, Chunk::Bytes(b));
            }
            Enc::Resp { buf, .. } => {
                let b = std::mem::take(buf);
                send(&self.tx, &self.backlog, Chunk::Bytes(b));
            }
        }
        let counts = self.counts.iter().map(|(&d, &(k, x))| (d, k, x)).collect();
        let _ = self.tx.send(Chunk::Done(counts));
    }
}

/// Removes a temp file unless the save got as far as renaming it.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What the writer thread needs to know about the file it writes.
struct FileSpec {
    tmp: PathBuf,
    dst: PathBuf,
    format: FileFormat,
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    ctime_ms: u64,
    checksum: bool,
}

pub type Writer = JoinHandle<Result<SaveDone, String>>;

/// The writer-thread half.
fn write_file(
    spec: FileSpec,
    rx: Receiver<Chunk>,
    backlog: Arc<AtomicUsize>,
) -> Result<SaveDone, String> {
    let FileSpec {
        tmp,
        dst,
        format,
        aux,
        ctime_ms,
        checksum,
    } = spec;
    let file = File::create(&tmp).map_err(|e| {
        format!(
            "Failed opening the temp file {} for saving: {e}",
            tmp.display()
        )
    })?;
    let mut guard = TempFile(Some(tmp.clone()));
    let w = BufWriter::with_capacity(1 << 20, file);
    let io = |e: std::io::Error| format!("Write error saving DB on disk: {e}");
    let pe = |e: PersistError| format!("Write error saving DB on disk: {e}");
    let aborted = || "snapshot abandoned before it was complete".to_string();
    let keys: u64;
    let w = match format {
        FileFormat::Native => {
            let mut fw = zdb::FileWriter::new(w, &aux, ctime_ms).map_err(pe)?;
            loop {
                match rx.recv().map_err(|_| aborted())? {
                    Chunk::Block(b) => {
                        let n = b.bytes.len();
                        fw.write_block(b).map_err(pe)?;
                        backlog.fetch_sub(n, Ordering::Relaxed);
                    }
                    Chunk::Bytes(_) => return Err("internal: RDB bytes in a native save".into()),
                    Chunk::Done(counts) => {
                        keys = counts.iter().map(|c| c.1).sum();
                        break fw.finish(&counts).map_err(pe)?;
                    }
                }
            }
        }
        FileFormat::Resp => {
            let mut w = w;
            loop {
                match rx.recv().map_err(|_| aborted())? {
                    Chunk::Bytes(b) => {
                        w.write_all(&b).map_err(io)?;
                        backlog.fetch_sub(b.len(), Ordering::Relaxed);
                    }
                    Chunk::Block(_) => return Err("internal: native block in a RESP save".into()),
                    Chunk::Done(counts) => {
                        keys = counts.iter().map(|c| c.1).sum();
                        break w;
                    }
                }
            }
        }
        FileFormat::Redis => {
            let mut w = w;
            let mut digest = rdb::checksum();
            loop {
                match rx.recv().map_err(|_| aborted())? {
                    Chunk::Bytes(b) => {
                        if checksum {
                            digest.update(&b);
                        }
                        w.write_all(&b).map_err(io)?;
                        backlog.fetch_sub(b.len(), Ordering::Relaxed);
                    }
                    Chunk::Block(_) => return Err("internal: native block in an RDB save".into()),
                    Chunk::Done(counts) => {
                        keys = counts.iter().map(|c| c.1).sum();
                        let sum = if checksum { digest.finalize() } else { 0 };
                        w.write_all(&sum.to_le_bytes()).map_err(io)?;
                        break w;
                    }
                }
            }
        }
    };
    let file = w.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    drop(file);
    std::fs::rename(&tmp, &dst).map_err(|e| {
        format!(
            "Error moving temp DB file {} on the final destination {} (in server root dir {}): {e}",
            tmp.display(),
            dst.display(),
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        )
    })?;
    guard.0 = None;
    if let Some(dir) = dst.parent() {
        // The rename is durable only once the directory entry is.
        if let Ok(d) = File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) {
            let _ = d.sync_all();
        }
    }
    Ok(SaveDone { bytes, keys })
}

/// Makes the calling thread yield the CPU to the store thread when both want it: compression
/// can wait, client requests should not (Redis's forked child competes on equal terms; on a small
/// machine that shows in the clients' latency during a save).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain syscalls on the calling thread's own id; failure only leaves the priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

fn aux_fields(eng: &Engine, now_ms: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let kv = |k: &str, v: String| (k.as_bytes().to_vec(), v.into_bytes());
    vec![
        kv("redis-ver", crate::REDIS_VERSION.to_string()),
        kv("redis-bits", "64".into()),
        kv("ctime", (now_ms / 1000).to_string()),
        kv("used-mem", crate::alloc::used_memory().to_string()),
        kv("aof-base", "0".into()),
        kv("zedis-ver", crate::VERSION.to_string()),
        kv("db-count", eng.store.databases().to_string()),
    ]
}

/// Starts the pipeline (writer thread + sink) and the store's walker, for a snapshot.
fn begin(eng: &mut Engine, background: bool) -> Result<(Arc<AtomicU64>, Writer), String> {
    let target = save_target(eng, background);
    begin_with(eng, target, background.then_some(Role::Bgsave))
}

/// The temp and final names of a SAVE / BGSAVE.
fn save_target(eng: &Engine, background: bool) -> Target {
    let tmp = eng.config.dir.join(format!(
        "temp-{}-{}.{}",
        if background { "bgsave" } else { "save" },
        std::process::id(),
        match eng.config.snapshot_format {
            SnapshotFormat::Native => "zdb",
            SnapshotFormat::Redis => "rdb",
        }
    ));
    Target {
        tmp,
        dst: snapshot_path(&eng.config),
        format: eng.config.snapshot_format.into(),
    }
}

/// Starts the pipeline writing `target` in the background (the writer thread yields to the
/// store thread).
pub fn begin_to(eng: &mut Engine, target: Target) -> Result<(Arc<AtomicU64>, Writer), String> {
    begin_with(eng, target, Some(Role::AofRewrite))
}

/// Starts the pipeline writing `target`. Only a background save lowers the writer thread's
/// priority: during SAVE the store thread serves nobody and waits for the writer, so a writer
/// that yields to other processes on a busy machine would only make SAVE longer. `background`
/// also says which CPU list (`aof_rewrite_cpulist`, `bgsave_cpulist`) the writer thread follows.
fn begin_with(
    eng: &mut Engine,
    target: Target,
    background: Option<Role>,
) -> Result<(Arc<AtomicU64>, Writer), String> {
    let now_ms = eng.store.now_ms;
    let Target { tmp, dst, format } = target;
    let aux = aux_fields(eng, now_ms);
    let enc = match format {
        FileFormat::Native => Enc::Zdb(zdb::BlockBuilder::new(BLOCK_TARGET)),
        FileFormat::Resp => Enc::Resp {
            buf: Vec::with_capacity(BLOCK_TARGET + 4096),
            rewriter: crate::persist::aof::Rewriter::new(),
        },
        FileFormat::Redis => {
            let mut buf = Vec::with_capacity(BLOCK_TARGET + 4096);
            let aux_refs: Vec<(&[u8], &[u8])> = aux
                .iter()
                .map(|(k, v)| (k.as_slice(), v.as_slice()))
                .collect();
            rdb::encode_header(&mut buf, &aux_refs);
            Enc::Rdb {
                buf,
                db: None,
                compress: eng.config.rdbcompression,
            }
        }
    };
    let (tx, backlog, writer) = spawn_writer(eng, tmp, dst, format, aux, now_ms, background)?;
    let processed = Arc::new(AtomicU64::new(0));
    let sink = Sink {
        enc,
        tx,
        backlog,
        processed: processed.clone(),
        counts: BTreeMap::new(),
        now_ms,
        lfu_decay: crate::commands::memory::lfu(&eng.config).map(|l| l.decay_time),
    };
    if eng.store.snapshot_begin(Box::new(sink)).is_err() {
        // The sink (and its sender) is dropped, so the writer thread ends on its own.
        let _ = writer.join();
        return Err("Background save already in progress".into());
    }
    Ok((processed, writer))
}

/// Starts the writer thread for a file, returning its input and the backlog counter.
fn spawn_writer(
    eng: &Engine,
    tmp: PathBuf,
    dst: PathBuf,
    format: FileFormat,
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    now_ms: u64,
    background: Option<Role>,
) -> Result<(Sender<Chunk>, Arc<AtomicUsize>, Writer), String> {
    let (tx, rx) = channel();
    let backlog = Arc::new(AtomicUsize::new(0));
    let checksum = eng.config.rdbchecksum;
    let wb = backlog.clone();
    let writer = std::thread::Builder::new()
        .name("zedis-save".into())
        .spawn(move || {
            if let Some(role) = background {
                super::affinity::enter(role);
                lower_priority();
            }
            let spec = FileSpec {
                tmp,
                dst,
                format,
                aux,
                ctime_ms: now_ms,
                checksum,
            };
            write_file(spec, rx, wb)
        })
        .map_err(|e| format!("Can't start the snapshot writer thread: {e}"))?;
    Ok((tx, backlog, writer))
}

fn total_keys(store: &Store) -> u64 {
    (0..store.databases())
        .map(|d| store.db(d).len() as u64)
        .sum()
}

/// Writes `target` synchronously on the store thread (the AOF's first base file).
pub fn save_to(eng: &mut Engine, target: Target) -> Result<SaveDone, String> {
    if eng.persist.job.is_some() {
        return Err("Background save already in progress".into());
    }
    let (_, writer) = begin_with(eng, target, None)?;
    run_to_end(eng, writer)
}

/// Walks the whole snapshot now and waits for the writer.
fn run_to_end(eng: &mut Engine, writer: Writer) -> Result<SaveDone, String> {
    while !eng.store.snapshot_step(usize::MAX) {
        // The writer is behind (more than BACKLOG_LIMIT waits): give it the CPU. A short sleep
        // rather than a yield loop, which on a busy machine keeps competing for the core the
        // writer needs; the backlog is milliseconds of writer work, so 100 µs costs nothing.
        std::thread::sleep(Duration::from_micros(100));
        if writer.is_finished() {
            eng.store.snapshot_abort();
            break;
        }
    }
    writer
        .join()
        .unwrap_or_else(|_| Err("the snapshot writer thread panicked".into()))
}

/// SAVE: the whole snapshot on the store thread, as Redis's SAVE blocks the server.
pub fn save(eng: &mut Engine) -> Result<SaveDone, String> {
    if eng.persist.job.is_some() {
        return Err("Background save already in progress".into());
    }
    let started = Instant::now();
    let r = if eng.config.snapshot_format == SnapshotFormat::Native {
        save_native_parallel(eng)
    } else {
        let (_, writer) = begin(eng, false)?;
        run_to_end(eng, writer)
    };
    match &r {
        Ok(done) => {
            log::notice(&format!(
                "DB saved on disk ({} keys, {} bytes, {:.3} s)",
                done.keys,
                done.bytes,
                started.elapsed().as_secs_f64()
            ));
            eng.dirty = 0;
            eng.lastsave = eng.store.now_ms / 1000;
            eng.persist.last_bgsave_ok = true;
        }
        Err(e) => log::warning(e),
    }
    r
}

/// Hash-space chunks a database is cut into for [`save_native_parallel`]: about this many keys
/// each, so the blocks encoded ahead of the file stay a few MiB.
const SAVE_CHUNK_KEYS: usize = 16 << 10;
/// Chunks a thread may encode ahead of the next one due in the file.
const SAVE_WINDOW: usize = 4;

/// SAVE in the native format with the encoding on two threads: the store thread serves nobody
/// during SAVE, so the walk need not be sliced and the second core can share it. Each database
/// is cut into hash-space chunks (whole table segments); the threads take chunks in file order,
/// encode each into its own blocks, and the chunks reach the writer in that same order, so the
/// file holds exactly what the sequential walk writes (only block boundaries differ, which the
/// format leaves free).
fn save_native_parallel(eng: &mut Engine) -> Result<SaveDone, String> {
    use std::sync::{Condvar, Mutex};
    let now_ms = eng.store.now_ms;
    let Target { tmp, dst, format } = save_target(eng, false);
    let aux = aux_fields(eng, now_ms);
    let (tx, backlog, writer) = spawn_writer(eng, tmp, dst, format, aux, now_ms, None)?;
    let lfu_decay = crate::commands::memory::lfu(&eng.config).map(|l| l.decay_time);
    let views = eng.store.db_views();
    // Chunk boundaries are multiples of 2^(64 - bits): a power of two per database.
    let mut jobs: Vec<(usize, u64, u128)> = Vec::new();
    for (db, v) in views.iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let mut bits = 0u32;
        while bits < 16 && (v.len() >> bits) > SAVE_CHUNK_KEYS {
            bits += 1;
        }
        let step = 1u128 << (64 - bits);
        for k in 0..(1u128 << bits) {
            jobs.push((db, (k * step) as u64, (k + 1) * step));
        }
    }
    /// A chunk's encoded blocks and its `(db, keys, keys with an expiry)` counts.
    type Encoded = (Vec<zdb::RawBlock>, Vec<(u32, u64, u64)>);
    struct Order {
        /// Encoded chunks waiting for their predecessors, by job index.
        done: BTreeMap<usize, Encoded>,
        /// The next job whose blocks go to the writer.
        sent: usize,
        counts: BTreeMap<u32, (u64, u64)>,
    }
    let order = Mutex::new(Order {
        done: BTreeMap::new(),
        sent: 0,
        counts: BTreeMap::new(),
    });
    let moved = Condvar::new();
    let next_job = AtomicUsize::new(0);
    // Set when the writer thread has ended early (its error is reported by the join below).
    let abort = std::sync::atomic::AtomicBool::new(false);
    let stop = || {
        abort.store(true, Ordering::Relaxed);
        let _guard = order.lock();
        moved.notify_all();
    };
    let work = || {
        loop {
            let j = next_job.fetch_add(1, Ordering::Relaxed);
            let Some(&(db, from, to)) = jobs.get(j) else {
                return;
            };
            // Bounded look-ahead: wait while this chunk is far ahead of the file, or the writer
            // is behind.
            {
                let mut o = order.lock().unwrap_or_else(|p| p.into_inner());
                while j > o.sent + SAVE_WINDOW && !abort.load(Ordering::Relaxed) {
                    o = moved.wait(o).unwrap_or_else(|p| p.into_inner());
                }
            }
            while backlog.load(Ordering::Relaxed) > BACKLOG_LIMIT && !writer.is_finished() {
                std::thread::sleep(Duration::from_micros(100));
            }
            if abort.load(Ordering::Relaxed) || writer.is_finished() {
                stop();
                return;
            }
            let mut b = zdb::BlockBuilder::new(BLOCK_TARGET);
            views[db].walk(from, to, |e| {
                let (idle, freq) = access_meta(e, now_ms, lfu_decay);
                b.push_key(db as u32, &e.key, &e.value, e.expire_at, idle, freq);
            });
            let mut blocks = Vec::new();
            while let Some(blk) = b.take_full() {
                blocks.push(blk);
            }
            while let Some(blk) = b.finish() {
                blocks.push(blk);
            }
            let mut o = order.lock().unwrap_or_else(|p| p.into_inner());
            o.done.insert(j, (blocks, b.counts()));
            // Whoever completes the chunk that is due forwards every chunk now in order.
            loop {
                let due = o.sent;
                let Some((blocks, counts)) = o.done.remove(&due) else {
                    break;
                };
                for blk in blocks {
                    send(&tx, &backlog, Chunk::Block(blk));
                }
                for (d, k, x) in counts {
                    let c = o.counts.entry(d).or_default();
                    c.0 += k;
                    c.1 += x;
                }
                o.sent += 1;
            }
            moved.notify_all();
        }
    };
    std::thread::scope(|s| {
        let helper = std::thread::Builder::new()
            .name("zedis-encode".into())
            .spawn_scoped(s, work);
        work();
        if let Ok(h) = helper {
            let _ = h.join();
        }
    });
    let o = order.into_inner().unwrap_or_else(|p| p.into_inner());
    let counts = o.counts.iter().map(|(&d, &(k, x))| (d, k, x)).collect();
    let _ = tx.send(Chunk::Done(counts));
    drop(tx);
    writer
        .join()
        .unwrap_or_else(|_| Err("the snapshot writer thread panicked".into()))
}

/// BGSAVE: starts the background save.
pub fn bgsave(eng: &mut Engine) -> Result<(), String> {
    if eng.persist.job.is_some() {
        return Err("Background save already in progress".into());
    }
    eng.persist.last_bgsave_try_ms = eng.store.now_ms;
    let (processed, writer) = begin(eng, true)?;
    eng.persist.saves += 1;
    eng.persist.job = Some(SaveJob {
        purpose: Purpose::Snapshot,
        started: Instant::now(),
        dirty_at_start: eng.dirty,
        keys_total: total_keys(&eng.store),
        processed,
        writer,
    });
    log::notice("Background saving started");
    Ok(())
}

/// Abandons a running background save, but not an AOF rewrite (FLUSHALL, as Redis kills only
/// its RDB child; the rewrite's walker stays point-in-time across the flush).
pub fn kill_snapshot_job(eng: &mut Engine) {
    if eng
        .persist
        .job
        .as_ref()
        .is_some_and(|j| j.purpose == Purpose::Snapshot)
    {
        kill_bgsave(eng);
    }
}

/// Abandons a running background save or AOF rewrite (SHUTDOWN, DEBUG RELOAD).
pub fn kill_bgsave(eng: &mut Engine) {
    if let Some(job) = eng.persist.job.take() {
        eng.store.snapshot_abort();
        let _ = job.writer.join();
        if job.purpose == Purpose::AofRewrite {
            super::aof_files::rewrite_killed(eng);
        } else {
            log::notice("Background saving terminated by the server");
        }
    }
}

/// Work between command batches: advance the walker, reap a finished save or load.
pub fn tick(eng: &mut Engine) {
    if eng.store.snapshot_active() {
        let now = Instant::now();
        let cmds = eng.stats.total_commands_processed;
        if cmds != eng.persist.walk_seen_cmds {
            eng.persist.walk_seen_cmds = cmds;
            eng.persist.last_cmd_seen = now;
        }
        // Idle means no command for a while, not merely none since the last tick (the loop
        // ticks after every message, so "none since" is true half the time under load).
        let busy = now.duration_since(eng.persist.last_cmd_seen) < IDLE_AFTER;
        if !busy || now >= eng.persist.next_walk {
            let deadline = now + if busy { BUSY_SLICE } else { IDLE_SLICE };
            while !eng.store.snapshot_step(STEP_ENTRIES) && Instant::now() < deadline {}
            eng.persist.next_walk = now + BUSY_PERIOD;
        }
    }
    if eng
        .persist
        .job
        .as_ref()
        .is_some_and(|j| j.writer.is_finished())
    {
        finish_bgsave(eng);
    }
    if eng
        .persist
        .loading
        .as_ref()
        .is_some_and(|l| l.handle.is_finished())
    {
        finish_loading(eng);
    }
}

/// How soon the loop must come back for persistence work (None: no hurry).
pub fn wake_within(eng: &Engine) -> Option<Duration> {
    if eng.store.snapshot_active() {
        Some(
            eng.persist
                .next_walk
                .saturating_duration_since(Instant::now()),
        )
    } else if eng.aof.loading.is_some() {
        // An AOF replay goes on between messages.
        Some(Duration::ZERO)
    } else if eng.persist.job.is_some() || eng.persist.loading.is_some() {
        Some(Duration::from_millis(5))
    } else {
        None
    }
}

fn finish_bgsave(eng: &mut Engine) {
    let Some(job) = eng.persist.job.take() else {
        return;
    };
    if eng.store.snapshot_active() {
        // The writer stopped before the walk ended: it failed.
        eng.store.snapshot_abort();
    }
    let secs = job.started.elapsed().as_secs() as i64;
    let r = job
        .writer
        .join()
        .unwrap_or_else(|_| Err("the snapshot writer thread panicked".into()));
    if job.purpose == Purpose::AofRewrite {
        super::aof_files::rewrite_done(eng, r, secs);
        return;
    }
    eng.persist.last_bgsave_time_sec = secs;
    match r {
        Ok(done) => {
            log::notice(&format!(
                "Background saving terminated with success ({} keys, {} bytes)",
                done.keys, done.bytes
            ));
            eng.dirty = eng.dirty.saturating_sub(job.dirty_at_start);
            eng.lastsave = eng.store.now_ms / 1000;
            eng.persist.last_bgsave_ok = true;
        }
        Err(e) => {
            log::warning(&format!("Background saving error: {e}"));
            eng.persist.last_bgsave_ok = false;
        }
    }
}

/// Save points and scheduled saves, from the cron.
pub fn cron(eng: &mut Engine) {
    if eng.persist.job.is_some() || is_loading(eng) || eng.persist.load_failed {
        return;
    }
    if eng.persist.bgsave_scheduled {
        eng.persist.bgsave_scheduled = false;
        if let Err(e) = bgsave(eng) {
            log::warning(&e);
        }
        return;
    }
    let now_s = eng.store.now_ms / 1000;
    let may_retry = eng.persist.last_bgsave_ok
        || eng
            .store
            .now_ms
            .saturating_sub(eng.persist.last_bgsave_try_ms)
            > BGSAVE_RETRY_MS;
    if !may_retry {
        return;
    }
    let due = eng.config.save.iter().find(|&&(secs, changes)| {
        eng.dirty >= changes.max(0) as u64 && now_s.saturating_sub(eng.lastsave) as i64 > secs
    });
    if let Some(&(secs, changes)) = due {
        log::notice(&format!("{changes} changes in {secs} seconds. Saving..."));
        if let Err(e) = bgsave(eng) {
            log::warning(&e);
        }
    }
}

/// Whether writes are refused because the last background save failed (Redis's rule).
pub fn writes_denied(eng: &Engine) -> bool {
    eng.config.stop_writes_on_bgsave_error
        && !eng.config.save.is_empty()
        && !eng.persist.last_bgsave_ok
}

/// Saves before exiting if the request or the config says so. An error means the server must
/// not exit (unless forced), as Redis refuses to lose data it was told to keep.
pub fn prepare_shutdown(eng: &mut Engine, save: Option<bool>) -> Result<(), String> {
    // Everything acknowledged must be in the AOF before the process may go.
    super::aof_files::flush_for_shutdown(eng)?;
    kill_bgsave(eng);
    if is_loading(eng) || eng.persist.load_failed {
        return Ok(());
    }
    let wanted = save.unwrap_or(!eng.config.save.is_empty());
    if !wanted {
        return Ok(());
    }
    log::notice("Saving the final snapshot before exiting.");
    save_now(eng).map(|_| ())
}

fn save_now(eng: &mut Engine) -> Result<SaveDone, String> {
    eng.persist.saves += 1;
    save(eng)
}

/// SAVE's entry point (counts the save like Redis's stat_rdb_saves).
pub fn save_command(eng: &mut Engine) -> Result<SaveDone, String> {
    if eng.persist.job.is_some() {
        return Err("Background save already in progress".into());
    }
    save_now(eng)
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Counts bytes read, for the loading progress in INFO.
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

/// Fills a store from records, dropping keys that expired before the load (as a Redis master
/// does) and refusing what zedis cannot hold.
pub struct Loader<'a> {
    store: &'a mut Store,
    now_ms: u64,
    pub keys: u64,
    pub expired: u64,
    /// The database the records belong to (for RESIZEDB).
    db: usize,
    /// Keys a size hint (RESIZEDB) may pre-size a table for: a hostile file must not make the
    /// loader allocate for keys it cannot hold, so this is bounded by the file's size (0: hints
    /// are ignored).
    reserve_cap: u64,
}

impl<'a> Loader<'a> {
    /// A visitor that loads records straight into `store` (an AOF's RDB preamble).
    pub fn new(store: &'a mut Store, now_ms: u64) -> Loader<'a> {
        Loader {
            store,
            now_ms,
            keys: 0,
            expired: 0,
            db: 0,
            reserve_cap: 0,
        }
    }
}

impl Visitor for Loader<'_> {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
        match rec {
            Record::Key(k) => {
                let db = k.db as usize;
                if db >= self.store.databases() {
                    return Err(PersistError::Rejected(format!(
                        "the file holds database {} but this server is configured with {} databases (raise `databases`)",
                        k.db,
                        self.store.databases()
                    )));
                }
                if k.expire_at_ms != 0 && k.expire_at_ms <= self.now_ms {
                    self.expired += 1;
                    return Ok(());
                }
                let clock = lru_clock(self.now_ms);
                // Under an LFU policy a saved counter is kept (a fresh key's otherwise); under
                // any other an idle time is, as Redis's objectSetLRUOrLFU.
                let lru = match (self.store.lfu, k.idle_secs) {
                    (Some(_), _) => evict::lfu_pack(
                        self.now_ms,
                        k.lfu_freq.unwrap_or(evict::LFU_INIT_VAL),
                    ),
                    (None, idle) => match idle {
                    Some(idle) => {
                        let idle = (idle.min(LRU_CLOCK_MAX as u64)) as u32;
                        clock.wrapping_sub(idle) & LRU_CLOCK_MAX
                    }
                    None => clock,
                    },
                };
                self.store.load_entry(db, k.key, k.value, k.expire_at_ms, lru);
                self.keys += 1;
                Ok(())
            }
            Record::Unsupported { db, key, what } => Err(PersistError::Rejected(format!(
                "key \"{}\" (db {db}, at byte {offset}) is a {what}, which zedis cannot hold; remove it from the file (e.g. `zedis-rdb convert --not-key`) or delete it on the source server before saving",
                String::from_utf8_lossy(&key).escape_debug()
            ))),
            Record::Function(_) => {
                log::warning("The file holds a function library; zedis has no scripting, so it is skipped.");
                Ok(())
            }
            Record::ModuleAux { module_id } => Err(PersistError::Rejected(format!(
                "the file holds data of a Redis module (id {module_id:#x}) at byte {offset}; zedis has no modules"
            ))),
            Record::SelectDb(db) => {
                self.db = db as usize;
                Ok(())
            }
            Record::ResizeDb { keys, .. } => {
                let n = keys.min(self.reserve_cap);
                self.store.reserve(self.db, usize::try_from(n).unwrap_or(0));
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Records handed from the decoder thread to the inserting thread at once.
const LOAD_BATCH: usize = 1024;

/// The decoder thread's visitor: batches records for the inserting thread.
struct Batcher {
    tx: std::sync::mpsc::SyncSender<Vec<(u64, Record)>>,
    /// Emptied batches coming back, so batch vectors are allocated and freed by this thread
    /// only (glibc makes a free of another thread's allocation take that arena's lock).
    back: Receiver<Vec<(u64, Record)>>,
    batch: Vec<(u64, Record)>,
}

impl Batcher {
    fn flush(&mut self) -> Result<(), PersistError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let next = self
            .back
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(LOAD_BATCH));
        let b = std::mem::replace(&mut self.batch, next);
        self.tx
            .send(b)
            .map_err(|_| PersistError::Rejected("loading stopped".into()))
    }
}

impl Visitor for Batcher {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
        self.batch.push((offset, rec));
        if self.batch.len() >= LOAD_BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

/// Reads a snapshot file of either format into a new store.
pub fn load_file(
    path: &Path,
    databases: usize,
    lim: &build::Limits,
    now_ms: u64,
    lfu: Option<evict::Lfu>,
    counter: Arc<AtomicU64>,
) -> Result<Loaded, String> {
    let name = path.display();
    let file = File::open(path).map_err(|e| format!("Can't open {name}: {e}"))?;
    let mut r = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: file,
            n: counter,
        },
    );
    let head = {
        use std::io::BufRead;
        r.fill_buf()
            .map_err(|e| format!("Can't read {name}: {e}"))?
            .to_vec()
    };
    let format = persist::detect(&head).ok_or_else(|| {
        format!("{name} is neither a zedis snapshot nor a Redis RDB file (unknown magic)")
    })?;
    if format == Format::Aof {
        return Err(format!(
            "{name} is an append-only file, not a snapshot: enable `appendonly` to load it"
        ));
    }
    // Two stages on two threads: this one inserts into the store while a decoder thread reads,
    // decompresses and builds values, handing them over a block's worth at a time.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(u64, Record)>>(8);
    let (back_tx, back) = channel::<Vec<(u64, Record)>>();
    let lim2 = *lim;
    // The zdb trailer's per-database counts size the tables up front (RDB files say the same
    // with RESIZEDB, which the loader handles as it comes). Bounded by the file's size: a
    // record takes more than a byte of file, so a real file never announces more keys.
    let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let hint = match format {
        Format::Zdb => File::open(path)
            .ok()
            .and_then(|mut f| zdb::peek_trailer(&mut f)),
        _ => None,
    };
    let decoder = std::thread::Builder::new()
        .name("zedis-decode".into())
        .spawn(move || {
            let mut b = Batcher {
                tx,
                back,
                batch: Vec::with_capacity(LOAD_BATCH),
            };
            let r = match format {
                Format::Zdb => zdb::read(r, &mut b, &lim2, zdb::Mode::Strict).map(|_| ()),
                _ => rdb::read(r, &mut b, &lim2).map(|_| ()),
            };
            r.and_then(|()| b.flush())
        })
        .map_err(|e| format!("Can't start the decoder thread: {e}"))?;
    let mut store = Store::new(databases);
    store.now_ms = now_ms;
    store.lfu = lfu;
    if let Some(t) = &hint {
        for &(db, keys, _) in &t.dbs {
            if (db as usize) < databases {
                store.reserve(
                    db as usize,
                    usize::try_from(keys.min(file_len)).unwrap_or(0),
                );
            }
        }
    }
    let mut v = Loader {
        store: &mut store,
        now_ms,
        keys: 0,
        expired: 0,
        db: 0,
        reserve_cap: file_len,
    };
    let mut inserted: Result<(), PersistError> = Ok(());
    for mut batch in rx.iter() {
        for (offset, rec) in batch.drain(..) {
            inserted = v.record(offset, rec);
            if inserted.is_err() {
                break;
            }
        }
        if inserted.is_err() {
            // Dropping the receiver stops the decoder at its next hand-over.
            break;
        }
        // The decoder may have stopped already; then the vector is simply dropped here.
        let _ = back_tx.send(batch);
    }
    drop(rx);
    let decoded = decoder
        .join()
        .unwrap_or_else(|_| Err(PersistError::Rejected("the decoder thread panicked".into())));
    let way_out = "check it with `zedis-rdb verify`; `zedis-rdb salvage` recovers every key it can into a new file";
    // The inserter's refusal explains a stopped decoder; otherwise the decoder's error stands.
    inserted.and(decoded).map_err(|e| match e {
        PersistError::Rejected(m) => format!("Can't load {name}: {m}"),
        e => format!("Bad snapshot file {name}: {e}; {way_out}"),
    })?;
    let (keys, expired) = (v.keys, v.expired);
    Ok(Loaded {
        store,
        keys,
        expired,
        format,
    })
}

/// Which file to load at startup: `dir/dbfilename`, or — when that is the default native name
/// and absent — a Redis `dump.rdb` in the same directory, so zedis starts from Redis's data.
pub fn startup_file(c: &Config) -> Option<PathBuf> {
    let p = snapshot_path(c);
    if p.exists() {
        return Some(p);
    }
    if c.dbfilename == "dump.zdb" {
        let rdb = c.dir.join("dump.rdb");
        if rdb.exists() {
            return Some(rdb);
        }
    }
    None
}

/// Starts loading the startup file, if any, on a loader thread.
pub fn start_loading(eng: &mut Engine) {
    if let Some(path) = startup_file(&eng.config) {
        start_loading_file(eng, path);
    }
}

/// Starts loading `path` (a snapshot of either format) on a loader thread.
pub fn start_loading_file(eng: &mut Engine, path: PathBuf) {
    let total_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let loaded = Arc::new(AtomicU64::new(0));
    let databases = eng.store.databases();
    let lim = limits(&eng.config);
    let now_ms = eng.store.now_ms;
    let counter = loaded.clone();
    let lfu = crate::commands::memory::lfu(&eng.config);
    let p = path.clone();
    log::notice(&format!(
        "Loading {} ({} bytes)",
        path.display(),
        total_bytes
    ));
    let spawned = std::thread::Builder::new()
        .name("zedis-load".into())
        .spawn(move || load_file(&p, databases, &lim, now_ms, lfu, counter));
    match spawned {
        Ok(handle) => {
            eng.persist.loading = Some(Loading {
                start_secs: now_ms / 1000,
                total_bytes,
                loaded,
                started: Instant::now(),
                path,
                handle,
            })
        }
        Err(e) => fail_load(eng, &format!("Can't start the loader thread: {e}")),
    }
}

/// Whether a dataset is being loaded (a snapshot on the loader thread, or an AOF replay):
/// clients get `-LOADING`, no saves, no eviction, no active expiry meanwhile.
pub fn is_loading(eng: &Engine) -> bool {
    eng.persist.loading.is_some() || eng.aof.loading.is_some()
}

pub(crate) fn fail_load(eng: &mut Engine, msg: &str) {
    log::warning(msg);
    log::warning("Fatal error loading the dataset. Exiting.");
    eng.persist.load_failed = true;
    eng.persist.exit_code = 1;
    eng.shutdown = Some(super::state::ShutdownRequest {
        save: Some(false),
        ..Default::default()
    });
}

fn finish_loading(eng: &mut Engine) {
    let Some(l) = eng.persist.loading.take() else {
        return;
    };
    let r = l
        .handle
        .join()
        .unwrap_or_else(|_| Err("the loader thread panicked".into()));
    match r {
        Ok(loaded) => {
            adopt(eng, loaded, l.started, &l.path);
        }
        Err(e) => fail_load(eng, &e),
    }
}

pub fn adopt(eng: &mut Engine, loaded: Loaded, started: Instant, path: &Path) {
    let fmt = match loaded.format {
        Format::Zdb => "zedis snapshot",
        Format::Rdb => "Redis RDB",
        Format::Aof => "AOF",
    };
    eng.store.adopt_data(loaded.store);
    eng.persist.last_load_keys = loaded.keys;
    eng.persist.last_load_expired = loaded.expired;
    log::notice(&format!(
        "DB loaded from disk: {:.3} seconds ({fmt} {})",
        started.elapsed().as_secs_f64(),
        path.display()
    ));
    log::notice(&format!(
        "Done loading, keys loaded: {}, keys expired: {}.",
        loaded.keys, loaded.expired
    ));
}

/// DEBUG RELOAD: save (unless `nosave`), then replace the dataset with what the file holds.
pub fn debug_reload(eng: &mut Engine, nosave: bool) -> Result<(), String> {
    kill_bgsave(eng);
    if !nosave {
        save_now(eng).map_err(|_| "Error trying to save the DB".to_string())?;
    }
    let path = snapshot_path(&eng.config);
    let started = Instant::now();
    let loaded = load_file(
        &path,
        eng.store.databases(),
        &limits(&eng.config),
        eng.store.now_ms,
        crate::commands::memory::lfu(&eng.config),
        Arc::new(AtomicU64::new(0)),
    )
    .map_err(|e| {
        log::warning(&e);
        "Error trying to load the RDB dump, check server logs.".to_string()
    })?;
    eng.store.flush_all();
    adopt(eng, loaded, started, &path);
    log::warning("DB reloaded by DEBUG RELOAD");
    Ok(())
}

/// INFO's persistence section.
pub fn info(eng: &Engine, s: &mut String) {
    use std::fmt::Write as _;
    let p = &eng.persist;
    let mut kv = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(s, "{k}:{v}\r\n");
    };
    kv("loading", &(is_loading(eng) as u8));
    kv("async_loading", &0);
    kv("current_cow_peak", &0);
    kv("current_cow_size", &0);
    kv("current_cow_size_age", &0);
    kv("current_fork_perc", &"0.00");
    let (processed, total) = match &p.job {
        Some(j) => (j.processed.load(Ordering::Relaxed), j.keys_total),
        None => (0, 0),
    };
    kv("current_save_keys_processed", &processed);
    kv("current_save_keys_total", &total);
    kv("rdb_changes_since_last_save", &eng.dirty);
    kv("rdb_bgsave_in_progress", &(p.job.is_some() as u8));
    kv("rdb_last_save_time", &eng.lastsave);
    kv(
        "rdb_last_bgsave_status",
        &if p.last_bgsave_ok { "ok" } else { "err" },
    );
    kv("rdb_last_bgsave_time_sec", &p.last_bgsave_time_sec);
    kv(
        "rdb_current_bgsave_time_sec",
        &p.job.as_ref().map_or(-1, |j| j.elapsed_secs() as i64),
    );
    kv("rdb_saves", &p.saves);
    kv("rdb_last_cow_size", &0);
    kv("rdb_last_load_keys_expired", &p.last_load_expired);
    kv("rdb_last_load_keys_loaded", &p.last_load_keys);
}

/// The loading progress lines Redis appends to the persistence section while loading.
pub fn info_loading(eng: &Engine, s: &mut String) {
    use std::fmt::Write as _;
    let mut kv = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(s, "{k}:{v}\r\n");
    };
    // An AOF load counts all its files (the base on the loader thread included).
    let progress = match (&eng.aof.loading, &eng.persist.loading) {
        (Some(a), _) => Some((
            a.start_secs,
            a.total_bytes,
            a.loaded_bytes(),
            a.elapsed_secs(),
        )),
        (None, Some(l)) => Some((
            l.start_secs,
            l.total_bytes,
            l.loaded.load(Ordering::Relaxed),
            l.started.elapsed().as_secs_f64(),
        )),
        (None, None) => None,
    };
    if let Some((start_secs, total_bytes, done, secs)) = progress {
        let perc = if total_bytes > 0 {
            done as f64 * 100.0 / total_bytes as f64
        } else {
            0.0
        };
        let eta = if done > 0 && total_bytes > done {
            ((total_bytes - done) as f64 * secs / done as f64) as u64
        } else {
            1
        };
        kv("loading_start_time", &start_secs);
        kv("loading_total_bytes", &total_bytes);
        kv("loading_rdb_used_mem", &0);
        kv("loading_loaded_bytes", &done);
        kv("loading_loaded_perc", &format!("{perc:.2}"));
        kv("loading_eta_seconds", &eta);
    }
}
