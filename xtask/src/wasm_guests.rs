//! The WebAssembly guests `mosaic-wasm`'s tests load, built into
//! `<workspace>/target/wasm-guests`:
//!
//! * the hostile C fixtures of `crates/mosaic-wasm/guests/c`, with Debian's
//!   clang, lld and wasi-libc, into `c/<name>.wasm`;
//! * the Rust guests of `crates/mosaic-wasm/guests/rust/<name>`, with
//!   Debian's `rustc-web`, `cargo-web` and `rust-web-src` for
//!   `wasm32-unknown-unknown` (`-Zbuild-std`, so no rustup target is
//!   needed), into `rust/<name>.wasm`.
//!
//! Missing packages are installed with `apt-get`.

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

/// What the Rust guests need, as (Debian package, file that proves it).
const RUST_TOOLCHAIN: &[(&str, &str)] = &[
    ("rustc-web", "/usr/bin/rustc"),
    ("cargo-web", "/usr/bin/cargo"),
    (
        "rust-web-src",
        "/usr/lib/rustlib/src/rust/library/Cargo.lock",
    ),
    ("lld", "/usr/bin/wasm-ld"),
];

/// Whether Debian package `name` is installed (when `dpkg-query` can tell).
fn installed(name: &str, file: &str) -> bool {
    match Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", name])
        .output()
    {
        Ok(o) => o.status.success() && String::from_utf8_lossy(&o.stdout).contains("ok installed"),
        Err(_) => Path::new(file).exists(),
    }
}

/// Where the built guests go.
pub(crate) fn out_dir() -> PathBuf {
    workspace().join("target").join("wasm-guests")
}

fn c_sources() -> PathBuf {
    workspace().join("crates/mosaic-wasm/guests/c")
}

/// Build every guest, installing the toolchains first where needed.
pub(crate) fn build() -> Result<(), String> {
    build_c()?;
    build_rust()
}

/// Install the Rust guest toolchain if a piece is missing, then build each
/// guest under `guests/rust` (cargo skips what is up to date).
fn build_rust() -> Result<(), String> {
    let missing: Vec<&str> = RUST_TOOLCHAIN
        .iter()
        .filter(|(pkg, file)| !installed(pkg, file))
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        println!("found rustc-web, cargo-web and rust-web-src");
    } else {
        println!("installing {}", missing.join(" "));
        apt_install(&missing)?;
    }
    let root = workspace().join("crates/mosaic-wasm/guests/rust");
    let out = out_dir().join("rust");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut guests: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| format!("cannot read {}: {e}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    guests.sort();
    let target_dir = out.join("target");
    for guest in &guests {
        let Some(name) = guest.file_name().and_then(|s| s.to_str()) else {
            continue;
        };
        // Debian's toolchain, not rustup's: its std sources are what
        // -Zbuild-std compiles for wasm32-unknown-unknown.
        run(
            &format!("building the wasm guest {name}"),
            Command::new("/usr/bin/cargo")
                .current_dir(guest)
                .args([
                    "build",
                    "--release",
                    "--locked",
                    "--ignore-rust-version",
                    "--target",
                    "wasm32-unknown-unknown",
                    "-Zbuild-std=std,panic_abort",
                ])
                .env("RUSTC", "/usr/bin/rustc")
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld")
                .env("CARGO_TARGET_DIR", &target_dir)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env_remove("RUSTUP_TOOLCHAIN"),
        )?;
        // each guest package is named `<directory>-guest`
        let built = target_dir
            .join("wasm32-unknown-unknown/release")
            .join(format!("{}.wasm", name.replace('-', "_") + "_guest"));
        let dest = out.join(format!("{name}.wasm"));
        std::fs::copy(&built, &dest)
            .map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), dest.display()))?;
    }
    println!("{} Rust guests in {}", guests.len(), out.display());
    Ok(())
}

/// Install the C toolchain if a piece is missing, then build every fixture
/// whose module is older than its sources.
fn build_c() -> Result<(), String> {
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
