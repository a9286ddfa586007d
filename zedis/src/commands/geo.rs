//! Geo commands: GEOADD, GEODIST, GEOHASH, GEOPOS and the searches (GEOSEARCH, GEOSEARCHSTORE,
//! GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO]). A geo set is a sorted set whose scores are 52-bit
//! geohashes (`util::geohash`), so GEOADD is ZADD underneath and every sorted-set command works
//! on it.
//!
//! Argument order, error texts and reply formats (distances with four decimals, coordinates in
//! Redis's "human" long-double form, RESP3 doubles for coordinates) follow Redis 7.0's geo.c.

use super::notify::{GENERIC, ZSET};
use super::{is, CmdError, CmdResult, Ctx};
use crate::store::zset::ScoreRange;
use crate::store::{Value, ZSetValue};
use crate::util::geohash::{self as gh, Shape, ShapeKind};
use crate::util::num;
use bytes::Bytes;

fn lookup<'s>(
    store: &'s mut crate::store::Store,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s ZSetValue>, CmdError> {
    super::read_typed(store, db, key, Value::as_zset)
}

fn parse_double(a: &[u8], msg: Option<&'static str>) -> Result<f64, CmdError> {
    num::parse_f64_strict(a).ok_or_else(|| match msg {
        Some(m) => CmdError::err(m),
        None => CmdError::not_float(),
    })
}

/// A longitude, latitude pair inside Redis's Web-Mercator limits.
fn parse_lonlat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), CmdError> {
    let x = parse_double(lon, None)?;
    let y = parse_double(lat, None)?;
    if !(gh::LONG_MIN..=gh::LONG_MAX).contains(&x) || !(gh::LAT_MIN..=gh::LAT_MAX).contains(&y) {
        return Err(CmdError::err(format!(
            "invalid longitude,latitude pair {x:.6},{y:.6}"
        )));
    }
    Ok((x, y))
}

/// Metres per unit.
fn parse_unit(u: &[u8]) -> Result<f64, CmdError> {
    if is(u, "m") {
        Ok(1.0)
    } else if is(u, "km") {
        Ok(1000.0)
    } else if is(u, "ft") {
        Ok(0.3048)
    } else if is(u, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::err(
            "unsupported unit provided. please use M, KM, FT, MI",
        ))
    }
}

/// `radius unit` → (radius, metres per unit).
fn parse_distance(r: &[u8], unit: &[u8]) -> Result<(f64, f64), CmdError> {
    let d = parse_double(r, Some("need numeric radius"))?;
    if d < 0.0 {
        return Err(CmdError::err("radius cannot be negative"));
    }
    Ok((d, parse_unit(unit)?))
}

/// `width height unit` → (width, height, metres per unit).
fn parse_box(w: &[u8], h: &[u8], unit: &[u8]) -> Result<(f64, f64, f64), CmdError> {
    let w = parse_double(w, Some("need numeric width"))?;
    let h = parse_double(h, Some("need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        return Err(CmdError::err("height or width cannot be negative"));
    }
    Ok((w, h, parse_unit(unit)?))
}

/// A coordinate as Redis's `addReplyHumanLongDouble`: a bulk string in RESP2, a double in RESP3.
fn reply_coord(ctx: &mut Ctx<'_>, v: f64) {
    let s = gh::fmt_human(v);
    if ctx.out.resp3() {
        ctx.out.raw(b",");
        ctx.out.raw(s.as_bytes());
        ctx.out.raw(b"\r\n");
    } else {
        ctx.out.bulk(s.as_bytes());
    }
}

/// GEOADD key [NX|XX] [CH] longitude latitude member [...]: rewritten into ZADD with the
/// geohash scores, as Redis does (so the reply, events and encodings are ZADD's).
pub fn geoadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (mut nx, mut xx) = (false, false);
    let mut longidx = 2;
    while longidx < args.len() {
        let o = &args[longidx];
        if is(o, "nx") {
            nx = true;
        } else if is(o, "xx") {
            xx = true;
        } else if !is(o, "ch") {
            break;
        }
        longidx += 1;
    }
    if !(args.len() - longidx).is_multiple_of(3) || (xx && nx) {
        return Err(CmdError::syntax());
    }
    let mut zargs: Vec<Bytes> = Vec::with_capacity(args.len());
    zargs.push(Bytes::from_static(b"zadd"));
    zargs.extend(args[1..longidx].iter().cloned());
    for t in args[longidx..].chunks(3) {
        let (x, y) = parse_lonlat(&t[0], &t[1])?;
        let bits = gh::encode_wgs84(x, y, gh::STEP_MAX).map_or(0, gh::align52);
        zargs.push(Bytes::from(bits.to_string()));
        zargs.push(t[2].clone());
    }
    // Logged as the ZADD it became (lower-case `zadd`, computed scores), as Redis.
    let log = ctx.propagating().then(|| zargs.clone());
    super::zsets::zadd_generic(ctx, &zargs, Default::default())?;
    if let Some(argv) = log {
        ctx.propagate_as(argv);
    }
    Ok(())
}

/// GEOHASH key [member ...]
pub fn geohash(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let z = lookup(&mut ctx.eng.store, db, &args[1])?;
    let hashes: Vec<Option<[u8; 11]>> = args[2..]
        .iter()
        .map(|m| z.and_then(|z| z.score(m)).and_then(gh::geohash_string))
        .collect();
    ctx.out.array(hashes.len());
    for h in &hashes {
        match h {
            Some(h) => ctx.out.bulk(h),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// GEOPOS key [member ...]
pub fn geopos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let db = ctx.db();
    let z = lookup(&mut ctx.eng.store, db, &args[1])?;
    let pos: Vec<Option<(f64, f64)>> = args[2..]
        .iter()
        .map(|m| z.and_then(|z| z.score(m)).and_then(gh::decode_score))
        .collect();
    ctx.out.array(pos.len());
    for p in pos {
        match p {
            Some((x, y)) => {
                ctx.out.array(2);
                reply_coord(ctx, x);
                reply_coord(ctx, y);
            }
            None => ctx.out.null_array(),
        }
    }
    Ok(())
}

/// GEODIST key member1 member2 [M|KM|FT|MI]
pub fn geodist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let to_meter = match args.len() {
        5 => parse_unit(&args[4])?,
        n if n > 5 => return Err(CmdError::syntax()),
        _ => 1.0,
    };
    let db = ctx.db();
    let Some(z) = lookup(&mut ctx.eng.store, db, &args[1])? else {
        ctx.out.null();
        return Ok(());
    };
    let p1 = z.score(&args[2]).and_then(gh::decode_score);
    let p2 = z.score(&args[3]).and_then(gh::decode_score);
    match (p1, p2) {
        (Some(a), Some(b)) => {
            let d = gh::distance(a.0, a.1, b.0, b.1) / to_meter;
            ctx.out.bulk(gh::fmt_distance(d).as_bytes());
        }
        _ => ctx.out.null(),
    }
    Ok(())
}

const RADIUS_COORDS: u32 = 1;
const RADIUS_MEMBER: u32 = 2;
const RADIUS_NOSTORE: u32 = 4;
const GEOSEARCH: u32 = 8;
const GEOSEARCHSTORE: u32 = 16;

#[derive(Clone, Copy, PartialEq)]
enum Sort {
    None,
    Asc,
    Desc,
}

struct Point {
    member: Vec<u8>,
    score: f64,
    lon: f64,
    lat: f64,
    dist: f64,
}

/// The points of `z` inside `shape`, visiting the centre cell and its neighbours in Redis's
/// order and stopping at `limit` points (0: no limit) for COUNT ... ANY.
fn search(z: &ZSetValue, shape: &Shape, limit: usize) -> Vec<Point> {
    let area = gh::areas_by_shape(shape);
    let n = &area.neighbors;
    let cells = [
        area.hash,
        n.north,
        n.south,
        n.east,
        n.west,
        n.north_east,
        n.north_west,
        n.south_east,
        n.south_west,
    ];
    let mut out: Vec<Point> = Vec::new();
    let mut last: Option<usize> = None;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        // With huge radii neighbours can coincide; a cell equal to the last one visited is
        // skipped so its points are not reported twice.
        if let Some(l) = last {
            if l > 0 && cells[l] == *cell {
                continue;
            }
        }
        if !out.is_empty() && limit > 0 && out.len() >= limit {
            break;
        }
        let min = gh::align52(*cell);
        let max = gh::align52(gh::HashBits {
            bits: cell.bits.wrapping_add(1),
            step: cell.step,
        });
        let range = ScoreRange {
            min: min as f64,
            max: max as f64,
            minex: false,
            maxex: true,
        };
        if let Some(first) = z.first_in(&range) {
            for (m, s) in z.iter_from(first, false) {
                if s >= range.max {
                    break;
                }
                if let Some((lon, lat)) = gh::decode_score(s) {
                    if let Some(dist) = gh::within(shape, lon, lat) {
                        out.push(Point {
                            member: m.to_vec(),
                            score: s,
                            lon,
                            lat,
                            dist,
                        });
                    }
                }
                if !out.is_empty() && limit > 0 && out.len() >= limit {
                    break;
                }
            }
        }
        last = Some(i);
    }
    out
}

/// Redis's `georadiusGeneric`: every search command, with `src` the index of the source key.
fn georadius_generic(ctx: &mut Ctx<'_>, args: &[Bytes], src: usize, flags: u32) -> CmdResult {
    let db = ctx.db();
    let exists = lookup(&mut ctx.eng.store, db, &args[src])?.is_some();
    let mut storekey: Option<&Bytes> = None;
    let mut storedist = false;
    let mut center: Option<(f64, f64)> = None;
    let mut kind: Option<ShapeKind> = None;
    let mut conversion = 1.0;
    let base_args;
    let member_score = |ctx: &mut Ctx<'_>, m: &[u8]| -> Result<(f64, f64), CmdError> {
        lookup(&mut ctx.eng.store, db, &args[src])?
            .and_then(|z| z.score(m))
            .and_then(gh::decode_score)
            .ok_or_else(|| CmdError::err("could not decode requested zset member"))
    };
    if flags & RADIUS_COORDS != 0 {
        base_args = 6;
        center = Some(parse_lonlat(&args[2], &args[3])?);
        let (r, conv) = parse_distance(&args[4], &args[5])?;
        kind = Some(ShapeKind::Radius(r));
        conversion = conv;
    } else if flags & RADIUS_MEMBER != 0 && !exists {
        base_args = 5;
    } else if flags & RADIUS_MEMBER != 0 {
        base_args = 5;
        center = Some(member_score(ctx, &args[2])?);
        let (r, conv) = parse_distance(&args[3], &args[4])?;
        kind = Some(ShapeKind::Radius(r));
        conversion = conv;
    } else {
        base_args = if flags & GEOSEARCHSTORE != 0 { 3 } else { 2 };
        if flags & GEOSEARCHSTORE != 0 {
            storekey = Some(&args[1]);
        }
    }
    let (mut withdist, mut withhash, mut withcoords) = (false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let search_cmd = flags & GEOSEARCH != 0;
    let mut i = base_args;
    while i < args.len() {
        let remaining = args.len() - i - 1;
        let a = &args[i];
        if is(a, "withdist") {
            withdist = true;
        } else if is(a, "withhash") {
            withhash = true;
        } else if is(a, "withcoord") {
            withcoords = true;
        } else if is(a, "any") {
            any = true;
        } else if is(a, "asc") {
            sort = Sort::Asc;
        } else if is(a, "desc") {
            sort = Sort::Desc;
        } else if is(a, "count") && remaining >= 1 {
            count = super::arg_i64(&args[i + 1])?;
            if count <= 0 {
                return Err(CmdError::err("COUNT must be > 0"));
            }
            i += 1;
        } else if (is(a, "store") || is(a, "storedist"))
            && remaining >= 1
            && flags & RADIUS_NOSTORE == 0
            && !search_cmd
        {
            storekey = Some(&args[i + 1]);
            storedist = is(a, "storedist");
            i += 1;
        } else if is(a, "storedist") && search_cmd && flags & GEOSEARCHSTORE != 0 {
            storedist = true;
        } else if is(a, "frommember") && remaining >= 1 && search_cmd && !fromloc {
            if exists {
                center = Some(member_score(ctx, &args[i + 1])?);
            }
            frommember = true;
            i += 1;
        } else if is(a, "fromlonlat") && remaining >= 2 && search_cmd && !frommember {
            center = Some(parse_lonlat(&args[i + 1], &args[i + 2])?);
            fromloc = true;
            i += 2;
        } else if is(a, "byradius") && remaining >= 2 && search_cmd && !bybox {
            let (r, conv) = parse_distance(&args[i + 1], &args[i + 2])?;
            kind = Some(ShapeKind::Radius(r));
            conversion = conv;
            byradius = true;
            i += 2;
        } else if is(a, "bybox") && remaining >= 3 && search_cmd && !byradius {
            let (w, h, conv) = parse_box(&args[i + 1], &args[i + 2], &args[i + 3])?;
            kind = Some(ShapeKind::Box {
                width: w,
                height: h,
            });
            conversion = conv;
            bybox = true;
            i += 3;
        } else {
            return Err(CmdError::syntax());
        }
        i += 1;
    }
    if storekey.is_some() && (withdist || withhash || withcoords) {
        return Err(CmdError::err(format!(
            "{} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if flags & GEOSEARCHSTORE != 0 {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        )));
    }
    let name = String::from_utf8_lossy(&args[0]).into_owned();
    if search_cmd && !(frommember || fromloc) {
        return Err(CmdError::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if search_cmd && !(byradius || bybox) {
        return Err(CmdError::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if any && count == 0 {
        return Err(CmdError::err("the ANY argument requires COUNT argument"));
    }
    if !exists {
        match storekey {
            Some(dst) => {
                if ctx.eng.store.remove(db, dst).is_some() {
                    ctx.modified(dst, GENERIC, "del");
                    ctx.eng.dirty += 1;
                }
                ctx.out.int(0);
            }
            None => ctx.out.array(0),
        }
        return Ok(());
    }
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let (Some((lon, lat)), Some(kind)) = (center, kind) else {
        return Err(CmdError::syntax());
    };
    let shape = Shape {
        lon,
        lat,
        conversion,
        kind,
    };
    let z = lookup(&mut ctx.eng.store, db, &args[src])?.ok_or_else(CmdError::wrong_type)?;
    let limit = if any {
        usize::try_from(count).unwrap_or(usize::MAX)
    } else {
        0
    };
    let mut points = search(z, &shape, limit);
    if points.is_empty() && storekey.is_none() {
        ctx.out.array(0);
        return Ok(());
    }
    let returned = if count == 0 {
        points.len()
    } else {
        points
            .len()
            .min(usize::try_from(count).unwrap_or(usize::MAX))
    };
    match sort {
        Sort::Asc => points.sort_by(|a, b| a.dist.total_cmp(&b.dist)),
        Sort::Desc => points.sort_by(|a, b| b.dist.total_cmp(&a.dist)),
        Sort::None => {}
    }
    points.truncate(returned);
    for p in points.iter_mut() {
        p.dist /= conversion;
    }
    match storekey {
        None => {
            let opts = withdist as usize + withhash as usize + withcoords as usize;
            ctx.out.array(points.len());
            for p in &points {
                if opts > 0 {
                    ctx.out.array(opts + 1);
                }
                ctx.out.bulk(&p.member);
                if withdist {
                    ctx.out.bulk(gh::fmt_distance(p.dist).as_bytes());
                }
                if withhash {
                    ctx.out.int(p.score as i64);
                }
                if withcoords {
                    ctx.out.array(2);
                    reply_coord(ctx, p.lon);
                    reply_coord(ctx, p.lat);
                }
            }
        }
        Some(dst) => {
            if !points.is_empty() {
                let mut result = ZSetValue::new_skiplist();
                let mut max_len = 0;
                for p in &points {
                    max_len = max_len.max(p.member.len());
                    result.insert_new(&p.member, if storedist { p.dist } else { p.score });
                }
                result.shrink_if_fits(max_len, super::zsets::limits(ctx));
                ctx.eng
                    .store
                    .set(db, dst, Value::ZSet(Box::new(result)), None, false);
                let event = if search_cmd {
                    "geosearchstore"
                } else {
                    "georadiusstore"
                };
                ctx.modified(dst, ZSET, event);
                ctx.eng.dirty += points.len() as u64;
            } else if ctx.eng.store.remove(db, dst).is_some() {
                ctx.modified(dst, GENERIC, "del");
                ctx.eng.dirty += 1;
            }
            ctx.out.int(points.len() as i64);
        }
    }
    Ok(())
}

/// GEORADIUS key longitude latitude radius unit [options] [STORE key] [STOREDIST key]
pub fn georadius(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    georadius_generic(ctx, args, 1, RADIUS_COORDS)
}

pub fn georadius_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    georadius_generic(ctx, args, 1, RADIUS_COORDS | RADIUS_NOSTORE)
}

/// GEORADIUSBYMEMBER key member radius unit [options] [STORE key] [STOREDIST key]
pub fn georadiusbymember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    georadius_generic(ctx, args, 1, RADIUS_MEMBER)
}

pub fn georadiusbymember_ro(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    georadius_generic(ctx, args, 1, RADIUS_MEMBER | RADIUS_NOSTORE)
}

/// GEOSEARCH key FROMMEMBER m | FROMLONLAT lon lat  BYRADIUS r unit | BYBOX w h unit  [options]
pub fn geosearch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    georadius_generic(ctx, args, 1, GEOSEARCH)
}

/// GEOSEARCHSTORE dst src ... [STOREDIST]
pub fn geosearchstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    georadius_generic(ctx, args, 2, GEOSEARCH | GEOSEARCHSTORE)
}
