//! Checks every binary's generated documentation shares: a generated file on disk (man page,
//! shell completion) must be byte-identical to what the code generates today — rewritten instead
//! when `ZEDIS_UPDATE_MAN` is set — and a man page must render in groff without warnings.

use std::path::Path;
use std::process::Command;

/// Fails when `path` differs from `fresh`; `regenerate` is the command that fixes it.
pub fn assert_generated(path: &Path, fresh: &[u8], regenerate: &str) {
    if std::env::var_os("ZEDIS_UPDATE_MAN").is_some() {
        std::fs::write(path, fresh).expect("write generated file");
    }
    let on_disk = std::fs::read(path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "{} is stale: regenerate it with `ZEDIS_UPDATE_MAN=1 {regenerate}`",
        path.display()
    );
}

/// Fails when groff reports errors or warnings for the man page at `path` (skips, saying so,
/// when groff is not installed: there is nothing to check against).
pub fn assert_man_renders(path: &Path) {
    let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(path)
        .output()
    else {
        eprintln!("groff not installed; skipping the rendering check");
        return;
    };
    assert!(
        out.status.success(),
        "groff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "groff warnings in {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
