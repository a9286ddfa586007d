//! CPU affinity of the server's threads: Redis's `server_cpulist`, `bio_cpulist`,
//! `aof_rewrite_cpulist` and `bgsave_cpulist`.
//!
//! Redis pins its main and I/O threads to `server_cpulist`, its background threads (AOF fsync,
//! lazy free, file close) to `bio_cpulist`, and its rewrite / BGSAVE child processes to the
//! other two. zedis has no child processes, so the roles map onto threads:
//! - server: the event loop / store thread and the tokio I/O threads (`init`, at startup, before
//!   any of them exists, so they inherit it);
//! - bio: the AOF writer and the everysec fsync helper;
//! - aof_rewrite / bgsave: the snapshot writer thread of BGREWRITEAOF / BGSAVE.
//!
//! Linux threads inherit their creator's affinity. Redis's bio threads start before its main
//! thread pins itself, so without `bio_cpulist` they may run anywhere; ours are started later by
//! the pinned store thread, so `enter(Role::Bio)` puts them back on the process's original set.
//! Redis's forked children inherit `server_cpulist` when their own list is unset, and so do our
//! snapshot threads (`enter` leaves them alone).
//!
//! The list syntax is Redis's: `a`, `a-b` or `a-b:step` items separated by commas
//! (`0-7:2` = 0,2,4,6). Redis silently ignores a malformed list; zedis refuses it when the
//! configuration is loaded (config check `check_cpulist`), and logs a warning when the kernel
//! refuses a well-formed one (no such CPU).

use super::log;
use std::sync::OnceLock;
use thiserror::Error;

/// The largest CPU number a list may name (the size of the kernel's default `cpu_set_t`).
pub const MAX_CPU: usize = 1023;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CpuListError {
    #[error("empty CPU list")]
    Empty,
    #[error("'{0}' is not a CPU number, range (a-b) or stepped range (a-b:step)")]
    Item(String),
    #[error("range {0} goes backwards")]
    Backwards(String),
    #[error("step 0 in '{0}'")]
    ZeroStep(String),
    #[error("CPU {0} is beyond {MAX_CPU}")]
    TooBig(usize),
}

/// Parses a Redis CPU list into the CPU numbers it names, in ascending order, without repeats.
pub fn parse(list: &str) -> Result<Vec<usize>, CpuListError> {
    if list.is_empty() {
        return Err(CpuListError::Empty);
    }
    let num = |s: &str, item: &str| -> Result<usize, CpuListError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CpuListError::Item(item.to_string()));
        }
        let n: usize = s
            .parse()
            .map_err(|_| CpuListError::Item(item.to_string()))?;
        if n > MAX_CPU {
            return Err(CpuListError::TooBig(n));
        }
        Ok(n)
    };
    let mut cpus = Vec::new();
    for item in list.split(',') {
        let (range, step) = match item.split_once(':') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (num(a, item)?, num(b, item)?),
            None if step.is_some() => return Err(CpuListError::Item(item.to_string())),
            None => {
                let a = num(range, item)?;
                (a, a)
            }
        };
        let step = match step {
            Some(s) => num(s, item)?,
            None => 1,
        };
        if step == 0 {
            return Err(CpuListError::ZeroStep(item.to_string()));
        }
        if a > b {
            return Err(CpuListError::Backwards(item.to_string()));
        }
        cpus.extend((a..=b).step_by(step));
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// Which of the four lists a thread follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Bio,
    AofRewrite,
    Bgsave,
}

struct Plan {
    /// The process's set before the server list was applied (what bio threads go back to).
    original: Option<libc::cpu_set_t>,
    server_pinned: bool,
    bio: Option<Vec<usize>>,
    aof_rewrite: Option<Vec<usize>>,
    bgsave: Option<Vec<usize>>,
}

static PLAN: OnceLock<Plan> = OnceLock::new();

fn set_of(cpus: &[usize]) -> libc::cpu_set_t {
    // SAFETY: an all-zero cpu_set_t is the empty set; CPU_SET is given numbers ≤ MAX_CPU, which
    // fit the 1024-bit set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus {
            libc::CPU_SET(c, &mut set);
        }
        set
    }
}

fn pin_current(set: &libc::cpu_set_t) -> std::io::Result<()> {
    // SAFETY: pid 0 = the calling thread; `set` is a valid cpu_set_t of the size passed.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn current_set() -> Option<libc::cpu_set_t> {
    // SAFETY: as in `set_of`; sched_getaffinity fills the set for the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let r = libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
        (r == 0).then_some(set)
    }
}

/// Lists that passed the config check parse; anything else counts as unset.
fn list(v: &Option<String>) -> Option<Vec<usize>> {
    v.as_deref().and_then(|s| parse(s).ok())
}

/// At startup, on the thread that becomes the event loop / store thread, before any other
/// thread exists: remembers the lists and pins this thread to `server_cpulist`.
pub fn init(cfg: &crate::config::Config) {
    let original = current_set();
    let mut server_pinned = false;
    if let Some(cpus) = list(&cfg.server_cpulist) {
        match pin_current(&set_of(&cpus)) {
            Ok(()) => server_pinned = true,
            Err(e) => log::warning(&format!(
                "Could not set server_cpulist {}: {e}",
                cfg.server_cpulist.as_deref().unwrap_or_default()
            )),
        }
    }
    let _ = PLAN.set(Plan {
        original,
        server_pinned,
        bio: list(&cfg.bio_cpulist),
        aof_rewrite: list(&cfg.aof_rewrite_cpulist),
        bgsave: list(&cfg.bgsave_cpulist),
    });
}

/// Called first thing on a new thread of `role`.
pub fn enter(role: Role) {
    let Some(plan) = PLAN.get() else {
        return;
    };
    let (want, name) = match role {
        Role::Bio => (&plan.bio, "bio_cpulist"),
        Role::AofRewrite => (&plan.aof_rewrite, "aof_rewrite_cpulist"),
        Role::Bgsave => (&plan.bgsave, "bgsave_cpulist"),
    };
    let r = match (want, role) {
        (Some(cpus), _) => pin_current(&set_of(cpus)),
        // Inherited the store thread's server_cpulist: background threads go back to where
        // the process may run, as Redis's (started before the main thread pinned itself) do.
        (None, Role::Bio) if plan.server_pinned => match &plan.original {
            Some(set) => pin_current(set),
            None => Ok(()),
        },
        (None, _) => Ok(()),
    };
    if let Err(e) = r {
        log::warning(&format!("Could not set {name}: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_redis_examples() {
        assert_eq!(parse("0-7:2"), Ok(vec![0, 2, 4, 6]));
        assert_eq!(parse("1,3"), Ok(vec![1, 3]));
        assert_eq!(parse("8-11"), Ok(vec![8, 9, 10, 11]));
        assert_eq!(parse("1,10,11"), Ok(vec![1, 10, 11]));
        assert_eq!(parse("5"), Ok(vec![5]));
        assert_eq!(parse("3,1-3"), Ok(vec![1, 2, 3]));
        assert_eq!(parse("0-6:3,1"), Ok(vec![0, 1, 3, 6]));
    }

    #[test]
    fn refuses_what_redis_would_ignore() {
        assert_eq!(parse(""), Err(CpuListError::Empty));
        for bad in [
            "a", "1,", ",1", "1-", "-1", "1-2-3", "1:2", "1-3:", " 1", "1 ", "0x1",
        ] {
            assert!(
                matches!(parse(bad), Err(CpuListError::Item(_))),
                "{bad:?} → {:?}",
                parse(bad)
            );
        }
        assert_eq!(parse("3-1"), Err(CpuListError::Backwards("3-1".into())));
        assert_eq!(parse("0-4:0"), Err(CpuListError::ZeroStep("0-4:0".into())));
        assert_eq!(parse("1024"), Err(CpuListError::TooBig(1024)));
        assert!(matches!(
            parse("99999999999999999999999"),
            Err(CpuListError::Item(_))
        ));
    }
}
