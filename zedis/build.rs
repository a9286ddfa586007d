//! Compiles `csrc/ldouble.c`: the few numeric routines that must use the C
//! library's own `long double`, `strtold` and `printf` to match Redis exactly.

fn main() {
    println!("cargo:rerun-if-changed=csrc/ldouble.c");
    cc::Build::new()
        .file("csrc/ldouble.c")
        .flag_if_supported("-std=c99")
        .flag_if_supported("-fno-fast-math")
        .warnings(true)
        .compile("zedis_ldouble");
}
