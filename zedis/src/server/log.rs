//! Logging in Redis's line format (`pid:M 21 Nov 2026 05:07:00.123 * message`), to stderr or to
//! the `logfile`, filtered by `loglevel`. Kept tiny and dependency-free because operators grep
//! these lines with the same patterns they use for Redis.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

/// Redis's levels, lowest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
}

impl Level {
    pub fn from_config(c: &crate::config::Config) -> Level {
        match c.loglevel {
            crate::config::LogLevel::Debug => Level::Debug,
            crate::config::LogLevel::Verbose => Level::Verbose,
            crate::config::LogLevel::Notice => Level::Notice,
            crate::config::LogLevel::Warning => Level::Warning,
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Notice as u8);
static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Sets the minimum level and the destination (None or "" = stderr).
pub fn init(level: Level, logfile: Option<&str>) -> std::io::Result<()> {
    LEVEL.store(level as u8, Ordering::Relaxed);
    let file = match logfile {
        Some(p) if !p.is_empty() => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?,
        ),
        _ => None,
    };
    *FILE.lock().unwrap_or_else(|p| p.into_inner()) = file;
    Ok(())
}

pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn log(level: Level, msg: &str) {
    if (level as u8) < LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let mark = match level {
        Level::Debug => '.',
        Level::Verbose => '-',
        Level::Notice => '*',
        Level::Warning => '#',
    };
    let line = format!(
        "{}:M {} {} {}\n",
        std::process::id(),
        timestamp(),
        mark,
        msg
    );
    let mut f = FILE.lock().unwrap_or_else(|p| p.into_inner());
    match f.as_mut() {
        Some(file) => {
            let _ = file.write_all(line.as_bytes());
        }
        None => {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

pub fn notice(msg: &str) {
    log(Level::Notice, msg)
}

pub fn warning(msg: &str) {
    log(Level::Warning, msg)
}

pub fn verbose(msg: &str) {
    log(Level::Verbose, msg)
}

/// "21 Nov 2026 05:07:00.123" in UTC (we avoid a time-zone database dependency).
fn timestamp() -> String {
    let ms = super::clock::unix_millis();
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mon = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mon <= 2);
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        NAMES[(mon - 1) as usize],
        y,
        h,
        m,
        s,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_has_redis_shape() {
        let t = super::timestamp();
        // "21 Nov 2026 05:07:00.123"
        assert_eq!(t.len(), 24, "{t}");
        assert_eq!(&t[2..3], " ");
    }
}
