//! `man/zedis-rdb.1` and the shell completions under `zedis-rdb/completions/` must be what the
//! clap definition generates today. `ZEDIS_UPDATE_MAN=1` rewrites them.

use std::path::PathBuf;
use std::process::Command;
use zedis_rdb::args::{completions, man_page, Shell};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(path: PathBuf, fresh: &[u8]) {
    if std::env::var_os("ZEDIS_UPDATE_MAN").is_some() {
        std::fs::write(&path, fresh).expect("write generated file");
    }
    let on_disk = std::fs::read(&path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "{} is stale: regenerate it with `ZEDIS_UPDATE_MAN=1 cargo test -p zedis-rdb --test docs`",
        path.display()
    );
}

#[test]
fn man_page_is_current() {
    check(root().join("../man/zedis-rdb.1"), &man_page());
}

#[test]
fn completions_are_current() {
    for (shell, name) in [
        (Shell::Bash, "zedis-rdb.bash"),
        (Shell::Zsh, "_zedis-rdb"),
        (Shell::Fish, "zedis-rdb.fish"),
    ] {
        check(root().join("completions").join(name), &completions(shell));
    }
}

#[test]
fn man_page_renders_without_warnings() {
    let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(root().join("../man/zedis-rdb.1"))
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
        "groff warnings:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
