//! Filters, output formats and stats on the Redis fixture, checked against what the fixture
//! script put in it (and, for the counts, against redis-server).

mod common;
use common::*;
use zedis_tests::tempdir::TempDir;

fn fixture() -> String {
    redis_fixtures()[0].to_string_lossy().into_owned()
}

fn lines(args: &[&str]) -> Vec<serde_json::Value> {
    let out = run_ok(args);
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

#[test]
fn filters_select_keys() {
    let f = fixture();
    let t = TempDir::new("rdbtool").unwrap();
    let r = redis_on(std::path::Path::new(&f), t.path());
    let d = |extra: &[&str]| {
        let mut a = vec!["dump", &f, "--format", "jsonl", "-q"];
        a.extend_from_slice(extra);
        lines(&a)
    };
    assert_eq!(d(&["--db", "5"]).len(), keys(&r, 5).len());
    assert_eq!(
        d(&["--db", "1", "--db", "5"]).len(),
        keys(&r, 1).len() + keys(&r, 5).len()
    );
    for k in d(&["--type", "hash"]) {
        assert_eq!(k["type"], "hash");
    }
    let strs = d(&["--key", "^str:", "--not-key", "long"]);
    assert!(!strs.is_empty());
    for k in &strs {
        let key = k["key"].as_str().unwrap();
        assert!(key.starts_with("str:") && !key.contains("long"), "{key}");
    }
    let all = d(&[]).len();
    let with_ttl = d(&[])
        .iter()
        .filter(|k| !k["expire_at_ms"].is_null())
        .count();
    assert!(with_ttl > 0);
    // Nothing in the fixture has expired yet (its expiries are a day after its creation)...
    assert_eq!(d(&["--expired", "only"]).len(), 0);
    assert_eq!(d(&["--expired", "exclude"]).len(), all);
    // ...and --size splits the keys.
    let big = d(&["--size", "10KB.."]).len();
    let small = d(&["--size", "..9999"]).len();
    assert!(big > 0 && small > 0);
    assert_eq!(big + small, all);
}

#[test]
fn json_and_text_formats() {
    let f = fixture();
    let json: serde_json::Value =
        serde_json::from_slice(&run_ok(&["dump", &f, "--format", "json", "-q"])).unwrap();
    let arr = json.as_array().unwrap();
    let s = arr.iter().find(|k| k["key"] == "str:short").unwrap();
    assert_eq!(s["value"], "hello");
    assert_eq!(s["type"], "string");
    let z = arr.iter().find(|k| k["key"] == "zset:small").unwrap();
    assert_eq!(z["value"][0], serde_json::json!(["c", -3.0]));
    let bin = arr
        .iter()
        .find(|k| k["key"].as_str().unwrap().starts_with("bin"))
        .unwrap();
    assert_eq!(bin["key"], "bin\\x00key\\xff");

    let print = String::from_utf8(run_ok(&[
        "dump", &f, "--format", "text", "--escape", "print", "--key", "^bin",
    ]))
    .unwrap();
    assert!(
        print.starts_with("db=0 key=\"bin\\\\x00key\\\\xff\" type=string"),
        "{print}"
    );

    // An empty selection is still valid JSON.
    let empty: serde_json::Value = serde_json::from_slice(&run_ok(&[
        "dump", &f, "--format", "json", "--db", "9", "-q",
    ]))
    .unwrap();
    assert_eq!(empty, serde_json::json!([]));
}

#[test]
fn stats_report_and_csv() {
    let f = fixture();
    let t = TempDir::new("rdbtool").unwrap();
    let csv = t.path().join("top.csv");
    let out = String::from_utf8(run_ok(&[
        "stats",
        &f,
        "--top",
        "3",
        "--csv",
        csv.to_str().unwrap(),
    ]))
    .unwrap();
    assert!(out.contains("keys: 19"), "{out}");
    let csv = std::fs::read_to_string(csv).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "database,type,key,size_in_bytes,encoding,num_elements,len_largest_element"
    );
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows[1].starts_with("0,list,list:big,"), "{csv}");
    assert!(rows[1].ends_with(",quicklist2,2000,31"), "{csv}");
    // Sizes descend.
    let sizes: Vec<u64> = rows[1..]
        .iter()
        .map(|r| r.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{csv}");
    assert!(out.contains("str "), "prefix breakdown: {out}");
    assert!(
        out.contains("< 1 day          4"),
        "expiry histogram: {out}"
    );

    // --bytes leaves out the small keys.
    let out = String::from_utf8(run_ok(&["stats", &f, "--top", "50", "--bytes", "30000"])).unwrap();
    let listed = out
        .lines()
        .skip_while(|l| !l.starts_with("database,"))
        .count()
        - 1;
    assert_eq!(listed, 4, "{out}");
}

#[test]
fn convert_keeps_expiry_idle_and_freq() {
    use zedis::persist::zdb;
    use zedis::store::Value;
    let t = TempDir::new("rdbtool").unwrap();
    let src = t.path().join("meta.zdb");
    let mut w = zdb::Writer::new(Vec::new(), &[], 1).unwrap();
    w.push_key(
        0,
        b"idle",
        &Value::string(b"a"),
        4102444800000,
        Some(77),
        None,
    )
    .unwrap();
    w.push_key(2, b"freq", &Value::string(b"b"), 0, None, Some(9))
        .unwrap();
    std::fs::write(&src, w.finish().unwrap()).unwrap();
    let s = src.to_str().unwrap();
    let rdb = t.path().join("meta.rdb");
    let back = t.path().join("back.zdb");
    run_ok(&["convert", s, rdb.to_str().unwrap(), "--to", "rdb", "-q"]);
    run_ok(&[
        "convert",
        rdb.to_str().unwrap(),
        back.to_str().unwrap(),
        "--to",
        "zdb",
        "-q",
    ]);
    for f in [&rdb, &back] {
        let keys = lines(&["dump", f.to_str().unwrap(), "--format", "jsonl", "-q"]);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["key"], "idle");
        assert_eq!(keys[0]["expire_at_ms"], 4102444800000u64);
        assert_eq!(keys[0]["idle_secs"], 77);
        assert_eq!(keys[1]["db"], 2);
        assert_eq!(keys[1]["lfu_freq"], 9);
    }
}

#[test]
fn quiet_and_non_tty_stderr() {
    let f = fixture();
    // Not a terminal: no progress bar, only the one-line summary; --quiet drops that too.
    let o = run(&["dump", &f, "--format", "resp"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim(), "19 key(s) dumped", "{err}");
    let o = run(&["dump", &f, "--format", "resp", "--quiet"]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
