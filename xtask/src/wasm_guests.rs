//! The WebAssembly guests `mosaic-wasm`'s tests load: the hostile C
//! fixtures of `crates/mosaic-wasm/guests/c`, built with Debian's clang,
//! lld and wasi-libc (installed with `apt-get` when missing) into
//! `<workspace>/target/wasm-guests/c/<name>.wasm`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{apt_install, on_path, run, workspace};

/// What the C guests need, as (file that proves it, Debian package).
const C_TOOLCHAIN: &[(&str, &str)] = &[
    ("/usr/bin/clang", "clang"),
    ("/usr/bin/wasm-ld", "lld"),
    ("/usr/include/wasm32-wasi/stdlib.h", "wasi-libc"),
    (
        "/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a",
        "libclang-rt-dev-wasm32",
    ),
];

/// Where the built guests go.
pub(crate) fn out_dir() -> PathBuf {
    workspace().join("target").join("wasm-guests")
}

fn c_sources() -> PathBuf {
    workspace().join("crates/mosaic-wasm/guests/c")
}

/// Install the C toolchain if a piece is missing, then build every fixture
/// whose module is older than its sources.
pub(crate) fn build() -> Result<(), String> {
    let missing: Vec<&str> = C_TOOLCHAIN
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(_, pkg)| *pkg)
        .collect();
    // A clang on PATH with its own wasm sysroot counts too.
    if !missing.is_empty() {
        println!("installing {}", missing.join(" "));
        apt_install(&missing)?;
    } else {
        println!("found clang, wasm-ld and wasi-libc");
    }
    let clang = on_path("clang").unwrap_or_else(|| PathBuf::from("/usr/bin/clang"));
    let src = c_sources();
    let out = out_dir().join("c");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src)
        .map_err(|e| format!("cannot read {}: {e}", src.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    let headers = [
        src.join("common.h"),
        workspace().join("crates/mosaic-wasm/include/mosaic_guest.h"),
    ];
    let newest_header = headers.iter().filter_map(|h| modified(h)).max();
    let mut built = 0;
    for source in &sources {
        let Some(stem) = source.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let target = out.join(format!("{stem}.wasm"));
        let inputs = modified(source).into_iter().chain(newest_header).max();
        if let (Some(t), Some(i)) = (modified(&target), inputs)
            && t >= i
        {
            continue;
        }
        run(
            &format!("building the wasm guest {stem}"),
            Command::new(&clang)
                .args([
                    "--target=wasm32-wasi",
                    "-O2",
                    "-nostartfiles",
                    "-Wl,--no-entry",
                    "-Wl,--stack-first",
                    "-Wl,-z,stack-size=65536",
                    "-Wl,--strip-debug",
                ])
                .arg("-I")
                .arg(workspace().join("crates/mosaic-wasm/include"))
                .arg("-I")
                .arg(&src)
                .arg(source)
                .arg("-o")
                .arg(&target),
        )?;
        built += 1;
    }
    println!(
        "{} C guests in {} ({built} rebuilt)",
        sources.len(),
        out.display()
    );
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
