//! `man/zedis-top.1` is what `zedis_top::cli::man_page()` generates today, renders without
//! groff warnings, and documents every key binding of the help popup.

use std::path::PathBuf;
use std::process::Command;

fn man_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../man/zedis-top.1")
}

#[test]
fn man_page_is_current() {
    let fresh = zedis_top::cli::man_page();
    if std::env::var_os("ZEDIS_UPDATE_MAN").is_some() {
        std::fs::write(man_path(), &fresh).expect("write man/zedis-top.1");
    }
    let on_disk = std::fs::read(man_path()).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "man/zedis-top.1 is stale: regenerate it with `ZEDIS_UPDATE_MAN=1 cargo test -p zedis-top --test man`"
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
fn man_page_documents_every_binding_and_flag() {
    let page = String::from_utf8(zedis_top::cli::man_page()).expect("utf-8");
    // Roff escapes hyphens; compare without them.
    let plain = page.replace("\\-", "-");
    for (keys, _) in zedis_top::ui::HELP {
        let first = keys
            .split([',', ' ', '/'])
            .find(|k| !k.is_empty())
            .unwrap_or(keys);
        let first = match first {
            "←" => "Left",
            "↑" => "Up",
            "S-Tab" => "Shift-Tab",
            "1-6" => "1",
            other => other,
        };
        assert!(
            plain.contains(&format!("\\fB{first}")),
            "binding {keys:?} is not in the man page"
        );
    }
    for flag in [
        "--host",
        "--port",
        "--socket",
        "--pass",
        "--user",
        "--uri",
        "--db",
        "--interval",
        "--once",
        "--json",
        "--no-color",
    ] {
        assert!(plain.contains(flag), "{flag} is not in the man page");
    }
}
