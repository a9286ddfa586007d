//! `man/zedis-top.1` is what `zedis_top::cli::man_page()` generates today, renders without
//! groff warnings, and documents every key binding of the help popup.

use std::path::PathBuf;
use zedis_tests::docs::{assert_generated, assert_man_renders};

fn man_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../man/zedis-top.1")
}

#[test]
fn man_page_is_current() {
    assert_generated(
        &man_path(),
        &zedis_top::cli::man_page(),
        "cargo test -p zedis-top --test man",
    );
}

#[test]
fn man_page_renders_without_warnings() {
    assert_man_renders(&man_path());
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
