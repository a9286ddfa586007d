//! `convert` and `salvage`: stream keys from one snapshot into a writer for another format
//! ([`Sink`]: `zdb::Writer`, `rdb::Writer`, or the AOF rewrite encoder). Output goes to a
//! temporary file next to the target, renamed into place only when complete, so a failed run
//! never leaves a half-written file under the requested name.
//!
//! Salvage of a `.zdb` is the reader's salvage mode. Salvage of a Redis RDB is done here: keep
//! every key read before the damage, then try each following byte offset as the start of a
//! record (restarting the RDB reader there behind a synthetic header) and resume at the first
//! one where eight records in a row parse, the first of them short (a false start in damaged
//! bytes tends to announce a long string that swallows the real records after it). That is a
//! heuristic, and the report says so.

use crate::args::Target;
use crate::filter::Filter;
use crate::source::{Input, Summary};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use zedis::persist::aof::Rewriter;
use zedis::persist::build::Limits;
use zedis::persist::{rdb, zdb, Format, KeyRecord, PersistError, Record, Visitor};

type Out = BufWriter<File>;

enum Writer {
    Zdb(zdb::Writer<Out>),
    Rdb {
        w: rdb::Writer<Out>,
        db: Option<u32>,
    },
    Aof {
        out: Out,
        rw: Rewriter,
        buf: Vec<u8>,
    },
}

/// A target file being written: aux fields are gathered until the first key (both formats
/// put them in the header), then the writer starts.
pub struct Sink {
    target: Target,
    tmp: PathBuf,
    dest: PathBuf,
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    file: Option<Out>,
    w: Option<Writer>,
    filter: Filter,
    /// Keys written.
    pub keys: u64,
    /// Keys the reader named but that no zedis format can hold (streams, module values).
    pub unsupported: u64,
}

impl Sink {
    pub fn create(dest: &Path, target: Target, filter: Filter) -> io::Result<Sink> {
        let mut name = dest.file_name().unwrap_or_default().to_os_string();
        name.push(".zedis-rdb-tmp");
        let tmp = dest.with_file_name(name);
        let file = BufWriter::with_capacity(256 << 10, File::create(&tmp)?);
        Ok(Sink {
            target,
            tmp,
            dest: dest.to_path_buf(),
            aux: Vec::new(),
            file: Some(file),
            w: None,
            filter,
            keys: 0,
            unsupported: 0,
        })
    }

    fn writer(&mut self) -> Result<&mut Writer, PersistError> {
        if self.w.is_none() {
            let file = self
                .file
                .take()
                .ok_or_else(|| PersistError::Rejected("output already finished".into()))?;
            self.w = Some(match self.target {
                Target::Zdb => {
                    Writer::Zdb(zdb::Writer::new(file, &self.aux, crate::filter::now_ms())?)
                }
                Target::Rdb => {
                    let aux: Vec<(&[u8], &[u8])> = self
                        .aux
                        .iter()
                        .map(|(k, v)| (k.as_slice(), v.as_slice()))
                        .collect();
                    Writer::Rdb {
                        w: rdb::Writer::new(file, &aux, true)?,
                        db: None,
                    }
                }
                Target::Aof => Writer::Aof {
                    out: file,
                    rw: Rewriter::new(),
                    buf: Vec::new(),
                },
            });
        }
        self.w
            .as_mut()
            .ok_or_else(|| PersistError::Rejected("no writer".into()))
    }

    /// Writes one key (if the filter takes it).
    pub fn key(&mut self, k: &KeyRecord) -> Result<(), PersistError> {
        if !self.filter.accepts(k) {
            return Ok(());
        }
        match self.writer()? {
            Writer::Zdb(w) => w.push_key(
                k.db,
                &k.key,
                &k.value,
                k.expire_at_ms,
                k.idle_secs,
                k.lfu_freq,
            )?,
            Writer::Rdb { w, db } => {
                if *db != Some(k.db) {
                    // Size hints are only hints: a streaming writer cannot know them.
                    w.select_db(k.db, 0, 0)?;
                    *db = Some(k.db);
                }
                w.key(&k.key, &k.value, k.expire_at_ms, k.idle_secs, k.lfu_freq)?;
            }
            Writer::Aof { out, rw, buf } => {
                buf.clear();
                rw.key(buf, k.db, &k.key, &k.value, k.expire_at_ms);
                out.write_all(buf)?;
            }
        }
        self.keys += 1;
        Ok(())
    }

    /// Completes the file, syncs it and renames it into place.
    pub fn finish(mut self) -> Result<(), PersistError> {
        self.writer()?;
        let file = match self.w.take() {
            Some(Writer::Zdb(w)) => w.finish()?,
            Some(Writer::Rdb { w, .. }) => w.finish()?,
            Some(Writer::Aof { mut out, .. }) => {
                out.flush()?;
                out
            }
            None => return Err(PersistError::Rejected("no writer".into())),
        };
        let f = file.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&self.tmp, &self.dest)?;
        Ok(())
    }

    /// Removes the temporary file after a failure.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

impl Visitor for Sink {
    fn record(&mut self, _offset: u64, rec: Record) -> Result<(), PersistError> {
        match rec {
            Record::Aux { key, value } if self.w.is_none() => self.aux.push((key, value)),
            Record::Key(k) => self.key(&k)?,
            Record::Unsupported { .. } => self.unsupported += 1,
            _ => {}
        }
        Ok(())
    }
}

/// Converts `input` into `dest`. Returns the number of keys written.
pub fn convert(
    input: Input,
    dest: &Path,
    to: Target,
    filter: Filter,
    progress: bool,
) -> Result<Sink, PersistError> {
    let mut sink = Sink::create(dest, to, filter)?;
    match input.read(&mut sink, false, progress) {
        Ok(_) => Ok(sink),
        Err(e) => {
            sink.abandon();
            Err(e)
        }
    }
}

/// What a salvage found.
#[derive(Debug, Default)]
pub struct SalvageReport {
    pub keys: u64,
    pub unsupported: u64,
    /// One line per damaged stretch.
    pub losses: Vec<String>,
    /// Whether anything was lost or doubtful.
    pub damaged: bool,
}

/// Salvages `input` into `dest` (in `to`, default the input's own format).
pub fn salvage(
    input: Input,
    dest: &Path,
    to: Option<Target>,
    progress: bool,
) -> Result<SalvageReport, PersistError> {
    let to = to.unwrap_or(match input.format {
        Format::Rdb => Target::Rdb,
        _ => Target::Zdb,
    });
    let mut sink = Sink::create(dest, to, Filter::all(0))?;
    let res = match input.format {
        Format::Rdb => salvage_rdb(input, &mut sink),
        _ => salvage_zdb(input, &mut sink, progress),
    };
    match res {
        Ok(mut rep) => {
            rep.keys = sink.keys;
            rep.unsupported = sink.unsupported;
            sink.finish()?;
            Ok(rep)
        }
        Err(e) => {
            sink.abandon();
            Err(e)
        }
    }
}

fn salvage_zdb(
    input: Input,
    sink: &mut Sink,
    progress: bool,
) -> Result<SalvageReport, PersistError> {
    let mut rep = SalvageReport::default();
    let Summary::Zdb(r) = input.read(sink, true, progress)? else {
        return Err(PersistError::Rejected("expected a .zdb read".into()));
    };
    for d in &r.damaged {
        rep.damaged = true;
        let keys = d
            .records_lost
            .map_or("an unknown number of".to_string(), |n| n.to_string());
        let blocks = match d.block_index {
            Some(i) => format!("{} block(s) from index {i}", d.blocks_lost),
            None => format!("{} block(s)", d.blocks_lost),
        };
        rep.losses.push(format!(
            "bytes {}..{} ({} bytes): lost {blocks}, {keys} key(s): {}",
            d.offset,
            d.offset + d.len,
            d.len,
            d.what
        ));
    }
    if r.trailer.is_none() {
        rep.damaged = true;
        rep.losses
            .push("the trailer is missing or damaged: the key count could not be checked".into());
    }
    Ok(rep)
}

/// During a resync attempt, how far the reader may read before enough records have parsed;
/// bounds the cost of a garbage length that would make one attempt read the whole file. A real
/// resync point whose first records are bigger is passed over for a later one.
const PROBATION_BYTES: u64 = 1 << 20;
/// The first record after a resync point may span at most this many bytes.
const MAX_FIRST_SPAN: u64 = 4 << 10;
/// Keys longer than this are not considered when resyncing.
const MAX_RESYNC_KEY: u32 = 64 << 10;
/// How far past the damage salvage looks for a place to resume.
const RESYNC_WINDOW: u64 = 64 << 20;
/// Bytes of the resync window held in memory at a time.
const SCAN_CHUNK: usize = 1 << 20;
/// Records that must parse in a row before a resync point is trusted.
const RESYNC_RECORDS: usize = 8;

/// Passes records to the sink; while on probation (a resync attempt), holds them back until
/// enough have parsed in a row.
struct Resync<'a> {
    sink: &'a mut Sink,
    probation: Option<Vec<KeyRecord>>,
    accepted: Rc<Cell<bool>>,
    db: u32,
    /// Offset of the last record seen (relative to the attempt's stream).
    last_offset: u64,
    /// Where the first key of the attempt on probation started.
    first_key_offset: u64,
    saw_eof: bool,
}

impl Visitor for Resync<'_> {
    fn record(&mut self, offset: u64, rec: Record) -> Result<(), PersistError> {
        self.last_offset = offset;
        // A false start in damaged bytes often announces a long string that swallows the real
        // records after it, which then parse fine; so on probation the first key must be short.
        if let Some(held) = &self.probation {
            if held.len() == 1 && offset.saturating_sub(self.first_key_offset) > MAX_FIRST_SPAN {
                return Err(PersistError::Rejected(
                    "the first record after a resync point is too long to trust".into(),
                ));
            }
            if held.is_empty() && matches!(rec, Record::Key(_)) {
                self.first_key_offset = offset;
            }
        }
        match rec {
            Record::SelectDb(db) => self.db = db,
            Record::Eof { .. } => {
                self.saw_eof = true;
                self.accept()?;
            }
            Record::Key(k) => match &mut self.probation {
                Some(held) => {
                    held.push(k);
                    if held.len() >= RESYNC_RECORDS {
                        self.accept()?;
                    }
                }
                None => self.sink.key(&k)?,
            },
            // A header during probation is the synthetic one; aux fields after the first
            // key are ignored by the sink.
            other => {
                if self.probation.is_none() {
                    self.sink.record(offset, other)?;
                }
            }
        }
        Ok(())
    }
}

impl Resync<'_> {
    fn accept(&mut self) -> Result<(), PersistError> {
        if let Some(held) = self.probation.take() {
            for k in held {
                self.sink.key(&k)?;
            }
            self.accepted.set(true);
        }
        Ok(())
    }
}

/// A reader that refuses to go past `limit` bytes until `accepted` is set.
struct Probation<R> {
    inner: R,
    read: u64,
    accepted: Rc<Cell<bool>>,
}

impl<R: BufRead> Probation<R> {
    fn check(&self) -> io::Result<()> {
        if !self.accepted.get() && self.read >= PROBATION_BYTES {
            return Err(io::Error::other(
                "resync attempt read too far without a record",
            ));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Probation<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Probation<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.read += n as u64;
        self.inner.consume(n);
    }
}

/// Could a record start here? The first byte must be a value type (not the pre-release module
/// type 6, which can never be skipped) or an opcode that precedes
/// a key or ends the file; after a value type, the key's length must be sane (keys over
/// [`MAX_RESYNC_KEY`] are not worth a read attempt that could run through megabytes).
fn plausible_start(b: &[u8]) -> bool {
    match b {
        [] => false,
        [248 | 249 | 252..=255, ..] => true,
        [0..=5 | 7 | 9..=21] => true,
        [0..=5 | 7 | 9..=21, len, rest @ ..] => match len >> 6 {
            0 | 3 => true,
            1 => true, // at most 16 KiB
            _ => match (len, rest) {
                (0x80, [a, b, c, d, ..]) => u32::from_be_bytes([*a, *b, *c, *d]) <= MAX_RESYNC_KEY,
                (0x81, [a, b, c, d, e, f, g, h, ..]) => {
                    u64::from_be_bytes([*a, *b, *c, *d, *e, *f, *g, *h]) <= MAX_RESYNC_KEY as u64
                }
                (0x80 | 0x81, _) => true, // the chunk ends here: let the reader decide
                _ => false,
            },
        },
        _ => false,
    }
}

fn salvage_rdb(input: Input, sink: &mut Sink) -> Result<SalvageReport, PersistError> {
    let mut rep = SalvageReport::default();
    let path = input.path.clone();
    let len = input.len;
    let mut file = File::open(&path)?;
    let mut head = [0u8; 9];
    file.read_exact(&mut head)?;

    // First the file as it is.
    let accepted = Rc::new(Cell::new(true));
    let mut v = Resync {
        sink,
        probation: None,
        accepted: accepted.clone(),
        db: 0,
        last_offset: 0,
        first_key_offset: 0,
        saw_eof: false,
    };
    file.seek(SeekFrom::Start(0))?;
    let mut err = match rdb::read(&mut file, &mut v, &Limits::default()) {
        Ok(_) => return Ok(rep),
        Err(e) => e,
    };
    // `base` maps offsets of the current attempt's stream back to file offsets.
    let mut base: i64 = 0;
    loop {
        rep.damaged = true;
        // Offsets in a resumed attempt count from its synthetic header: map them to the file.
        let map = |o: u64| (o as i64 + base).max(0) as u64;
        err = match err {
            PersistError::Corrupt { offset, key, what } => PersistError::Corrupt {
                offset: map(offset),
                key,
                what,
            },
            PersistError::Truncated { offset, key, what } => PersistError::Truncated {
                offset: map(offset),
                key,
                what,
            },
            other => other,
        };
        let off = match &err {
            PersistError::Corrupt { offset, .. } | PersistError::Truncated { offset, .. } => {
                *offset
            }
            PersistError::Checksum { .. } => {
                rep.losses.push(format!(
                    "{err}: every record parsed, but the data may hold undetected damage"
                ));
                return Ok(rep);
            }
            _ => return Err(err),
        };
        if v.saw_eof {
            rep.losses
                .push(format!("{err} (after the end of the data)"));
            return Ok(rep);
        }
        if matches!(err, PersistError::Truncated { .. }) && off >= len.saturating_sub(1) {
            rep.losses.push(format!(
                "{err}: the file ends here; keys after byte {off} are lost"
            ));
            return Ok(rep);
        }
        // Try each later offset as a record start.
        let mut resumed = None;
        let end = len.min(off.saturating_add(RESYNC_WINDOW));
        // The window is scanned a chunk at a time; an attempt reads the chunk in place and
        // only touches the file when a record runs past the chunk.
        let mut chunk_start = off + 1;
        let mut scan = File::open(&path)?;
        let mut chunk = Vec::with_capacity(SCAN_CHUNK);
        'scan: while chunk_start < end {
            scan.seek(SeekFrom::Start(chunk_start))?;
            chunk.clear();
            (&mut scan)
                .take(SCAN_CHUNK.min((end - chunk_start) as usize) as u64)
                .read_to_end(&mut chunk)?;
            if chunk.is_empty() {
                break;
            }
            for i in 0..chunk.len() {
                if !plausible_start(&chunk[i..]) {
                    continue;
                }
                let cand = chunk_start + i as u64;
                let tail = LazyFile {
                    path: &path,
                    at: chunk_start + chunk.len() as u64,
                    file: None,
                };
                if let Some((prefix, res)) =
                    attempt_at(&head, &chunk[i..], tail, &mut v, cand, len)?
                {
                    resumed = Some((cand, prefix, res));
                    break 'scan;
                }
            }
            chunk_start += chunk.len() as u64;
        }
        match resumed {
            None => {
                rep.losses.push(format!(
                    "{err}; no point to resume found in bytes {off}..{end}: every key after byte {off} is lost"
                ));
                return Ok(rep);
            }
            Some((at, prefix, res)) => {
                rep.losses.push(format!(
                    "{err}; skipped bytes {off}..{at} and resumed at byte {at} (a guess: {RESYNC_RECORDS} records parsed in a row there); keys in the skipped bytes are lost, their number is unknown"
                ));
                match res {
                    Ok(()) => return Ok(rep),
                    Err(e) => {
                        base = at as i64 - prefix as i64;
                        err = e;
                    }
                }
            }
        }
    }
}

/// The rest of the file from `at`, opened only if an attempt reads that far.
struct LazyFile<'p> {
    path: &'p str,
    at: u64,
    file: Option<io::BufReader<File>>,
}

impl LazyFile<'_> {
    fn inner(&mut self) -> io::Result<&mut io::BufReader<File>> {
        if self.file.is_none() {
            let mut f = File::open(self.path)?;
            f.seek(SeekFrom::Start(self.at))?;
            self.file = Some(io::BufReader::with_capacity(64 << 10, f));
        }
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("file not open"))
    }
}

impl Read for LazyFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner()?.read(buf)
    }
}

impl BufRead for LazyFile<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner()?.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        if let Some(f) = &mut self.file {
            f.consume(n);
        }
    }
}

/// One resync attempt on `bytes` (the window from the candidate offset on) followed by `tail`.
/// Returns None when the attempt failed before being accepted (the next offset is tried);
/// otherwise the synthetic prefix length and how the rest of the read ended.
#[allow(clippy::type_complexity)]
fn attempt_at(
    head: &[u8; 9],
    bytes: &[u8],
    tail: LazyFile<'_>,
    v: &mut Resync<'_>,
    cand: u64,
    file_len: u64,
) -> Result<Option<(u64, Result<(), PersistError>)>, PersistError> {
    // A header with the original version, and the database we were in.
    let mut prefix = head.to_vec();
    prefix.push(rdb::opcodes::SELECTDB);
    rdb::writer::encode_len(&mut prefix, v.db as u64);
    let plen = prefix.len() as u64;
    let accepted = Rc::new(Cell::new(false));
    v.accepted = accepted.clone();
    v.probation = Some(Vec::new());
    v.saw_eof = false;
    let mut r = Probation {
        inner: io::Cursor::new(prefix).chain(bytes).chain(tail),
        read: 0,
        accepted: accepted.clone(),
    };
    let res = rdb::read_buffered(&mut r, v, &Limits::default()).map(|_| ());
    // Where the reader stopped, in file offsets (prefix bytes do not count).
    let stop = (cand + r.read).saturating_sub(plen);
    let at_end = stop >= file_len;
    // A checksum error at the very end of the file means the reader reached the real EOF
    // marker: whatever it read on probation is as trustworthy as a full run of records.
    if at_end
        && matches!(res, Err(PersistError::Checksum { .. }))
        && v.probation.as_ref().is_some_and(|h| !h.is_empty())
    {
        v.accept()?;
    }
    if accepted.get() {
        // A checksum error is expected (the synthetic header changed what the checksum
        // covers), not damage; but an EOF marker before the end of the file is a false one
        // inside damaged bytes, so scanning goes on after it.
        let res = match res {
            Ok(()) | Err(PersistError::Checksum { .. }) if !at_end => Err(PersistError::Corrupt {
                offset: stop - cand + plen,
                key: None,
                what: "an end-of-data marker before the end of the file".into(),
            }),
            Err(PersistError::Checksum { .. }) => Ok(()),
            other => other,
        };
        Ok(Some((plen, res)))
    } else {
        v.probation = None;
        Ok(None)
    }
}
