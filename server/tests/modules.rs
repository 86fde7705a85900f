//! The server's modules form no cycle: each uses only modules that the
//! crate documentation (src/lib.rs) lists before it.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]

use std::collections::BTreeMap;
use std::path::Path;

/// The modules in the order the crate documentation lists them.
fn documented_order(lib: &str) -> Vec<String> {
    let doc: String = lib.lines().filter_map(|l| l.strip_prefix("//!")).collect::<Vec<_>>().join(" ");
    let start = doc.find("Modules,").expect("lib.rs documents its modules");
    doc[start..]
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(String::from)
        .collect()
}

/// For every module (a file of src/, or a directory for `store`), the modules it uses.
fn uses() -> BTreeMap<String, Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |module: String, text: &str| {
        let entry = out.entry(module.clone()).or_default();
        for part in text.split("crate::").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && name != module && !entry.contains(&name) {
                entry.push(name);
            }
        }
    };
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            for f in std::fs::read_dir(&p).unwrap() {
                add(stem.clone(), &std::fs::read_to_string(f.unwrap().path()).unwrap());
            }
        } else if stem != "lib" && stem != "main" {
            add(stem, &std::fs::read_to_string(&p).unwrap());
        }
    }
    out
}

#[test]
fn modules_use_only_modules_listed_before_them() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let order = documented_order(&lib);
    let uses = uses();
    let mut listed: Vec<&String> = order.iter().collect();
    listed.sort();
    let mut found: Vec<&String> = uses.keys().collect();
    found.sort();
    assert_eq!(listed, found, "lib.rs lists {order:?}");
    for (module, deps) in &uses {
        let at = order.iter().position(|m| m == module).unwrap();
        for d in deps {
            let dep_at = order.iter().position(|m| m == d).unwrap_or_else(|| panic!("{module} uses unknown {d}"));
            assert!(dep_at < at, "{module} uses {d}, listed after it: a cycle is possible");
        }
    }
}
