//! `man/zedis-aof.1` and the shell completions under `zedis-aof/completions/` must be what the
//! clap definition generates today. `ZEDIS_UPDATE_MAN=1` rewrites them.

use std::path::PathBuf;
use zedis_aof::args::{completions, man_page, Shell};
use zedis_tests::docs::{assert_generated, assert_man_renders};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(path: PathBuf, fresh: &[u8]) {
    assert_generated(&path, fresh, "cargo test -p zedis-aof --test docs");
}

#[test]
fn man_page_is_current() {
    check(root().join("../man/zedis-aof.1"), &man_page());
}

#[test]
fn completions_are_current() {
    for (shell, name) in [
        (Shell::Bash, "zedis-aof.bash"),
        (Shell::Zsh, "_zedis-aof"),
        (Shell::Fish, "zedis-aof.fish"),
    ] {
        check(root().join("completions").join(name), &completions(shell));
    }
}

#[test]
fn man_page_renders_without_warnings() {
    assert_man_renders(&root().join("../man/zedis-aof.1"));
}
