//! The `zedis` binary's command line and its man page: `--version`, `--help`, `--test-config`,
//! and a check that `man/zedis.1` is what `zedis::cli::man_page()` generates today.

use std::path::PathBuf;
use std::process::Command;

fn zedis() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zedis"))
}

fn man_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../man/zedis.1")
}

#[test]
fn man_page_is_current() {
    let fresh = zedis::cli::man_page();
    if std::env::var_os("ZEDIS_UPDATE_MAN").is_some() {
        std::fs::write(man_path(), &fresh).expect("write man/zedis.1");
    }
    let on_disk = std::fs::read(man_path()).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "man/zedis.1 is stale: regenerate it with `ZEDIS_UPDATE_MAN=1 cargo test --release -p zedis --test cli man_page`"
    );
}

#[test]
fn man_page_renders_without_warnings() {
    // groff ships with man-db on Debian; without it there is nothing to check against.
    let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(man_path())
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

#[test]
fn version_and_help() {
    let out = zedis().arg("--version").output().expect("run zedis");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(zedis::VERSION), "{text}");

    let out = zedis().arg("--help").output().expect("run zedis");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--test-config"), "{text}");
}

#[test]
fn test_config_accepts_good_and_rejects_bad_files() {
    let dir = std::env::temp_dir().join(format!("zedis-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("good.conf");
    std::fs::write(&good, "# a comment\nport 7777\nrequirepass \"s3 cret\"\n").expect("write");
    let out = zedis()
        .arg("--test-config")
        .arg(&good)
        .output()
        .expect("run zedis");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "port 7777\nno-such-directive yes\n").expect("write");
    let out = zedis()
        .arg("--test-config")
        .arg(&bad)
        .output()
        .expect("run zedis");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.conf:2") && err.contains("no-such-directive"),
        "{err}"
    );

    let out = zedis()
        .args(["--test-config", "--port", "notaport"])
        .output()
        .expect("run zedis");
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
