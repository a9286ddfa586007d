//! `rewrite`, `convert` and the size estimate of `stats`: the AOF is replayed in process through
//! the server's own command code (`zedis::commands::execute` on a `zedis::server::state::Engine`,
//! with a replay client per file as the server's loader uses), a snapshot base is loaded with the
//! snapshot readers, and the resulting dataset is written by the server's own snapshot pipeline
//! (`persistence::save_to`: zdb, RDB 10 or RESP). Keys whose expiry has passed are dropped first.
//!
//! Damage is treated as the server treats it at startup with `aof-load-truncated yes`: a torn
//! end of the last file is ignored (an unfinished MULTI is never applied, its commands were only
//! queued); anything else stops the replay with the library's error.

use crate::args::{BaseFormat, SnapshotFormat};
use crate::input::{content, file_len, progress_bar, Content, Counting, Input};
use bytes::{Bytes, BytesMut};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use zedis::config::Config;
use zedis::persist::aof::{manifest, AofError, BaseKind, Item, Manifest, Reader, Rewriter};
use zedis::persist::{build, rdb, zdb, PersistError};
use zedis::server::aof_files::REPLAY_CLIENT_ID;
use zedis::server::mailbox::Mailbox;
use zedis::server::persistence::{self, FileFormat, Loader, Target};
use zedis::server::state::{Client, Engine};

/// Commands run between two readings of the clock (as the server's replay does).
const BATCH: u64 = 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Aof(#[from] AofError),
    #[error("{}: {source}", .file.display())]
    Snapshot {
        file: PathBuf,
        #[source]
        source: PersistError,
    },
    #[error("{}: unknown command '{name}' at byte {offset} (line {line})", .file.display())]
    UnknownCommand {
        file: PathBuf,
        offset: u64,
        line: u64,
        name: String,
    },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} already exists; choose a new name (nothing is overwritten)", .0.display())]
    Exists(PathBuf),
    #[error("writing {}: {msg}", .path.display())]
    Save { path: PathBuf, msg: String },
}

impl ReplayError {
    /// Whether the input is damaged (exit 1), rather than unusable or the output unwritable.
    pub fn is_damage(&self) -> bool {
        match self {
            ReplayError::Aof(e) => !matches!(e, AofError::Io { .. }),
            ReplayError::Snapshot { source, .. } => crate::verify::is_damage(source),
            ReplayError::UnknownCommand { .. } => true,
            _ => false,
        }
    }
}

/// What a replay did.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub commands: u64,
    pub snapshot_keys: u64,
    /// Bytes at the end of the last file that were ignored (a torn tail or unfinished MULTI).
    pub torn_tail: u64,
    /// Keys dropped because their expiry had passed by the time of the rewrite.
    pub expired: u64,
    pub keys: u64,
    pub bytes_in: u64,
    /// Commands the server answered with an error (the server's loader ignores these replies
    /// too), and the first such reply with where its command was.
    pub errors: u64,
    pub first_error: Option<String>,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn replay_client(now: u64) -> Box<Client> {
    let mut c = Box::new(Client::new(
        REPLAY_CLIENT_ID,
        String::new(),
        String::new(),
        -1,
        false,
        Arc::new(Mailbox::new()),
        now,
    ));
    c.authenticated = true;
    c
}

/// Replays every file of `input` into a new engine.
pub fn replay(input: &Input, progress: bool) -> Result<(Engine, Summary), ReplayError> {
    let now = now_ms();
    let mut eng = Engine::new(Config::default(), now);
    eng.store.now_ms = now;
    let mut sum = Summary {
        bytes_in: input.total_bytes(),
        ..Summary::default()
    };
    let bar = progress_bar(sum.bytes_in, progress);
    let lim = build::Limits::default();
    let n = input.files.len();
    for (i, f) in input.files.iter().enumerate() {
        let io = |e| ReplayError::Io {
            path: f.path.clone(),
            source: e,
        };
        let kind = content(f).map_err(io)?;
        let r = BufReader::with_capacity(
            1 << 20,
            Counting {
                inner: File::open(&f.path).map_err(io)?,
                bar: bar.clone(),
            },
        );
        let snap_err = |source| ReplayError::Snapshot {
            file: f.path.clone(),
            source,
        };
        match kind {
            Content::Zdb => {
                let now = eng.store.now_ms;
                let mut v = Loader::new(&mut eng.store, now);
                zdb::read(r, &mut v, &lim, zdb::Mode::Strict).map_err(snap_err)?;
                sum.snapshot_keys += v.keys;
            }
            Content::Rdb => {
                let now = eng.store.now_ms;
                let mut v = Loader::new(&mut eng.store, now);
                rdb::read(r, &mut v, &lim).map_err(snap_err)?;
                sum.snapshot_keys += v.keys;
            }
            Content::Resp => replay_resp(&mut eng, f, r, i + 1 == n, &mut sum)?,
        }
        eng.store.expired.clear();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    sum.expired = drop_expired(&mut eng);
    sum.keys = (0..eng.store.databases())
        .map(|d| eng.store.db(d).len() as u64)
        .sum();
    Ok((eng, sum))
}

fn replay_resp(
    eng: &mut Engine,
    f: &zedis::persist::aof::AofFile,
    r: BufReader<Counting<File>>,
    last: bool,
    sum: &mut Summary,
) -> Result<(), ReplayError> {
    let mut client = replay_client(eng.store.now_ms);
    let mut rd = Reader::new(r).with_file(&f.path);
    let mut out = BytesMut::with_capacity(4096);
    let mut clock = Instant::now();
    let mut open_multi: Option<u64> = None;
    let mut count = 0u64;
    loop {
        let item = match rd.next() {
            Ok(Some(item)) => item,
            Ok(None) => {
                if let Some(at) = open_multi {
                    sum.torn_tail += file_len(&f.path).saturating_sub(at);
                    if !last {
                        return Err(truncated_earlier(f, at));
                    }
                }
                return Ok(());
            }
            Err(AofError::Truncated { offset, eof, .. }) if last => {
                sum.torn_tail += eof.saturating_sub(open_multi.unwrap_or(offset));
                return Ok(());
            }
            Err(e) => return Err(e.in_file(&f.path).into()),
        };
        let (offset, line, argv) = match item {
            Item::Command { offset, line, argv } => (offset, line, argv),
            Item::RdbPreamble => {
                let now = eng.store.now_ms;
                let mut v = Loader::new(&mut eng.store, now);
                rd.read_preamble(&mut v, &build::Limits::default())?;
                sum.snapshot_keys += v.keys;
                continue;
            }
            _ => continue,
        };
        let Some(name) = argv.first() else {
            continue;
        };
        if zedis::commands::lookup(name).is_none() {
            return Err(ReplayError::UnknownCommand {
                file: f.path.clone(),
                offset,
                line,
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        if argv[0].eq_ignore_ascii_case(b"multi") {
            open_multi = Some(offset);
        } else if argv[0].eq_ignore_ascii_case(b"exec") {
            open_multi = None;
        }
        let args: Vec<Bytes> = argv.into_iter().map(Bytes::from).collect();
        out.clear();
        zedis::commands::execute(eng, &mut client, &args, &mut out, &mut clock);
        sum.commands += 1;
        if out.first() == Some(&b'-') {
            sum.errors += 1;
            if sum.first_error.is_none() {
                let reply = String::from_utf8_lossy(&out[1..]).trim_end().to_string();
                sum.first_error = Some(format!(
                    "{} at byte {offset} (line {line}): {reply}",
                    f.path.display()
                ));
            }
        }
        count += 1;
        if count.is_multiple_of(BATCH) {
            // Nothing is being logged: the keys found expired need no DEL anywhere.
            eng.store.expired.clear();
            eng.store.now_ms = now_ms();
        }
    }
}

fn truncated_earlier(f: &zedis::persist::aof::AofFile, at: u64) -> ReplayError {
    ReplayError::Aof(AofError::Truncated {
        file: Some(f.path.clone()),
        offset: at,
        line: 0,
        eof: file_len(&f.path),
        what: "the file ends inside a MULTI, and it is not the last file".into(),
    })
}

/// Removes every key whose expiry has passed; returns how many.
fn drop_expired(eng: &mut Engine) -> u64 {
    let now = now_ms();
    eng.store.now_ms = now;
    let mut n = 0;
    for d in 0..eng.store.databases() {
        let gone: Vec<Vec<u8>> = eng
            .store
            .db(d)
            .iter()
            .filter(|e| e.expire_at != 0 && e.expire_at <= now)
            .map(|e| e.key.to_vec())
            .collect();
        for k in gone {
            if !eng.store.expire_if_needed(d, &k) {
                n += 1;
            }
        }
    }
    eng.store.expired.clear();
    n
}

/// Bytes the dataset takes as RESP commands (what `rewrite --base aof --single` would write),
/// counted without writing anything.
pub fn resp_size(eng: &Engine) -> u64 {
    let mut rw = Rewriter::new();
    let mut buf = Vec::with_capacity(64 << 10);
    let mut total = 0u64;
    for d in 0..eng.store.databases() {
        for e in eng.store.db(d).iter() {
            rw.key(&mut buf, d as u32, &e.key, &e.value, e.expire_at);
            if buf.len() >= 32 << 10 {
                total += buf.len() as u64;
                buf.clear();
            }
        }
    }
    total + buf.len() as u64
}

/// The size a RESP rewrite of `input` would have.
pub fn rewritten_size(input: &Input, progress: bool) -> Result<u64, ReplayError> {
    let (eng, _) = replay(input, progress)?;
    Ok(resp_size(&eng))
}

fn refuse_existing(p: &Path) -> Result<(), ReplayError> {
    if fs::symlink_metadata(p).is_ok() {
        return Err(ReplayError::Exists(p.to_path_buf()));
    }
    Ok(())
}

/// Writes the engine's dataset to `dst` in `format`, through a temporary file beside it.
fn save(eng: &mut Engine, dst: &Path, format: FileFormat) -> Result<u64, ReplayError> {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dst.with_file_name(format!("temp-zedis-aof-{}-{name}", std::process::id()));
    persistence::save_to(
        eng,
        Target {
            tmp,
            dst: dst.to_path_buf(),
            format,
        },
    )
    .map_err(|msg| ReplayError::Save {
        path: dst.to_path_buf(),
        msg,
    })?;
    Ok(file_len(dst))
}

fn summary_lines(s: &mut String, sum: &Summary, started: Instant) {
    let _ = writeln!(
        s,
        "replayed {} command(s) and {} snapshot key(s) in {:.3} s",
        sum.commands,
        sum.snapshot_keys,
        started.elapsed().as_secs_f64()
    );
    if sum.torn_tail > 0 {
        let _ = writeln!(
            s,
            "ignored a torn tail of {} byte(s) at the end of the last file (as aof-load-truncated yes does)",
            sum.torn_tail
        );
    }
    if let Some(first) = &sum.first_error {
        let _ = writeln!(
            s,
            "{} command(s) were answered with an error and changed nothing (the server's loader ignores them too); the first: {first}",
            sum.errors
        );
    }
    let _ = writeln!(
        s,
        "keys: {} ({} expired key(s) dropped)",
        sum.keys, sum.expired
    );
}

/// `rewrite`: a new appendonlydir (base + empty incr + manifest), or one RESP file.
pub fn rewrite(
    input: &Input,
    out: &Path,
    base: BaseFormat,
    single: bool,
    appendfilename: &str,
    progress: bool,
) -> Result<String, ReplayError> {
    refuse_existing(out)?;
    let started = Instant::now();
    let (mut eng, sum) = replay(input, progress)?;
    let mut s = String::new();
    summary_lines(&mut s, &sum, started);
    let after = if single {
        save(&mut eng, out, FileFormat::Resp)?
    } else {
        let io = |e| ReplayError::Io {
            path: out.to_path_buf(),
            source: e,
        };
        fs::create_dir_all(out).map_err(io)?;
        let mut m = Manifest::new();
        let (kind, format) = match base {
            BaseFormat::Zdb => (BaseKind::Zdb, FileFormat::Native),
            BaseFormat::Aof => (BaseKind::Aof, FileFormat::Resp),
        };
        let base_name = m.new_base(appendfilename, kind);
        let size = save(&mut eng, &out.join(&base_name), format)?;
        let incr = m.new_incr(appendfilename);
        File::create(out.join(&incr)).map_err(io)?;
        manifest::write_atomic(out, appendfilename, &m)?;
        let _ = writeln!(s, "wrote {} ({size} bytes) and an empty {incr}", base_name);
        size
    };
    let before = sum.bytes_in;
    let _ = writeln!(
        s,
        "size: {before} -> {after} bytes ({})",
        change(before, after)
    );
    Ok(s)
}

/// `convert`: a snapshot of the state.
pub fn convert(
    input: &Input,
    out: &Path,
    to: SnapshotFormat,
    progress: bool,
) -> Result<String, ReplayError> {
    refuse_existing(out)?;
    let started = Instant::now();
    let (mut eng, sum) = replay(input, progress)?;
    let format = match to {
        SnapshotFormat::Zdb => FileFormat::Native,
        SnapshotFormat::Rdb => FileFormat::Redis,
    };
    let after = save(&mut eng, out, format)?;
    let mut s = String::new();
    summary_lines(&mut s, &sum, started);
    let _ = writeln!(
        s,
        "wrote {} ({after} bytes; the AOF was {} bytes, {})",
        out.display(),
        sum.bytes_in,
        change(sum.bytes_in, after)
    );
    Ok(s)
}

fn change(before: u64, after: u64) -> String {
    if before == 0 {
        return "was empty".into();
    }
    let pct = (before as f64 - after as f64) * 100.0 / before as f64;
    if pct >= 0.0 {
        format!("{pct:.1}% smaller")
    } else {
        format!("{:.1}% larger", -pct)
    }
}
