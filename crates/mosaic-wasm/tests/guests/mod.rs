//! Small guests written in WAT for the sandbox tests.

/// Options for [`guest`].
#[derive(Debug)]
pub(crate) struct Opts<'a> {
    /// What `mosaic_abi_version` answers.
    pub(crate) abi: i32,
    /// Initial memory, in 64 KiB pages.
    pub(crate) pages: u32,
    /// The describe JSON.
    pub(crate) describe: &'a str,
    /// Extra module fields (imports must come first in WAT text, so these
    /// go at the top).
    pub(crate) extra_imports: &'a str,
    /// The whole envelope `git.repository.get` answers.
    pub(crate) repository: &'a str,
}

impl Default for Opts<'_> {
    fn default() -> Self {
        Opts {
            abi: 1,
            pages: 1,
            describe: r#"{"abi":1,"operations":["test.echo","test.loop","test.hog","test.trap","test.recurse","test.huge","test.invalid","test.http","test.config","git.repository.get"],"hosts":[],"config":["owner"]}"#,
            extra_imports: "",
            repository: r#"{"err":{"kind":"not_found","message":"no repository here","retryable":false}}"#,
        }
    }
}

fn escape(s: &str) -> String {
    s.bytes().map(|b| format!("\\{b:02x}")).collect()
}

/// A guest module in WAT with a stack-like bump allocator and the test
/// operations: `test.echo` (answers `{"ok": <input>}`), `test.loop`,
/// `test.hog`, `test.trap`, `test.recurse`, `test.huge`, `test.invalid`,
/// `test.http` and `test.config` (each answering `{"ok": <what the host
/// function returned>}`), and `git.repository.get` (a fixed answer).
pub(crate) fn guest(o: Opts<'_>) -> String {
    let d = o.describe;
    format!(
        r#"(module
  (import "mosaic" "http_request" (func $http (param i32 i32) (result i64)))
  (import "mosaic" "config_get" (func $config (param i32 i32) (result i64)))
  {extra}
  (memory (export "memory") {pages})
  (global $bump (mut i32) (i32.const 65536))
  (data (i32.const 8) "{{\"ok\":")
  (data (i32.const 16) "null")
  (data (i32.const 2048) "not json")
  (data (i32.const 4096) "{desc}")
  (data (i32.const 8192) "{repo}")
  (func (export "mosaic_abi_version") (result i32) (i32.const {abi}))
  (func $alloc (export "mosaic_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get $n)))
    (block $ok
      (br_if $ok (i32.le_u (global.get $bump) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $ok (i32.ne (i32.const -1) (memory.grow
        (i32.add (i32.div_u (i32.sub (global.get $bump) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1)))))
      unreachable)
    (local.get $p))
  (func (export "mosaic_free") (param $p i32) (param $n i32)
    (if (i32.eq (i32.add (local.get $p) (local.get $n)) (global.get $bump))
      (then (global.set $bump (local.get $p)))))
  (func (export "mosaic_describe") (result i64)
    (i64.or (i64.shl (i64.const 4096) (i64.const 32)) (i64.const {dlen})))
  (func $pack (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n))))
  (func $wrap (param $p i32) (param $n i32) (result i64)
    (local $o i32)
    (local.set $o (call $alloc (i32.add (local.get $n) (i32.const 7))))
    (memory.copy (local.get $o) (i32.const 8) (i32.const 6))
    (memory.copy (i32.add (local.get $o) (i32.const 6)) (local.get $p) (local.get $n))
    (i32.store8 (i32.add (i32.add (local.get $o) (i32.const 6)) (local.get $n)) (i32.const 125))
    (call $pack (local.get $o) (i32.add (local.get $n) (i32.const 7))))
  (func $unpacked (param $v i64) (result i64)
    (if (result i64) (i64.eqz (local.get $v))
      (then (call $wrap (i32.const 16) (i32.const 4)))
      (else (call $wrap
        (i32.wrap_i64 (i64.shr_u (local.get $v) (i64.const 32)))
        (i32.wrap_i64 (local.get $v))))))
  (func (export "op_test_echo") (param $p i32) (param $n i32) (result i64)
    (call $wrap (local.get $p) (local.get $n)))
  (func (export "op_git_repository_get") (param i32 i32) (result i64)
    (call $pack (i32.const 8192) (i32.const {rlen})))
  (func (export "op_test_loop") (param i32 i32) (result i64)
    (loop $l (br $l))
    (i64.const 0))
  (func (export "op_test_hog") (param i32 i32) (result i64)
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (i64.const 0))
  (func (export "op_test_trap") (param i32 i32) (result i64)
    unreachable)
  (func $recurse (export "op_test_recurse") (param $a i32) (param $b i32) (result i64)
    (i64.add (call $recurse (local.get $a) (i32.add (local.get $b) (i32.const 1))) (i64.const 1)))
  (func (export "op_test_huge") (param i32 i32) (result i64)
    (i64.const 0x7fffffff))
  (func (export "op_test_invalid") (param i32 i32) (result i64)
    (call $pack (i32.const 2048) (i32.const 8)))
  (func (export "op_test_http") (param $p i32) (param $n i32) (result i64)
    (call $unpacked (call $http (local.get $p) (local.get $n))))
  (func (export "op_test_config") (param $p i32) (param $n i32) (result i64)
    (call $unpacked (call $config (local.get $p) (local.get $n))))
)"#,
        extra = o.extra_imports,
        pages = o.pages,
        desc = escape(d),
        dlen = d.len(),
        abi = o.abi,
        repo = escape(o.repository),
        rlen = o.repository.len(),
    )
}

/// The default test guest as a binary module.
pub(crate) fn default_guest() -> Vec<u8> {
    wat::parse_str(guest(Opts::default())).expect("test guest is valid WAT")
}

/// A guest built with `o`.
pub(crate) fn guest_with(o: Opts<'_>) -> Vec<u8> {
    wat::parse_str(guest(o)).expect("test guest is valid WAT")
}

/// A guest built by `cargo xtask wasm-guests`, by its path under
/// `target/wasm-guests` (or `$MOSAIC_WASM_GUESTS`), such as
/// `c/loop.wasm`; `None` (with a note) when the guests are not built. In
/// CI (`CI=true`) a missing guest fails the test.
pub(crate) fn built(relative: &str) -> Option<Vec<u8>> {
    let dir = match std::env::var_os("MOSAIC_WASM_GUESTS") {
        Some(d) => std::path::PathBuf::from(d),
        None => {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm-guests")
        }
    };
    let path = dir.join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            let msg = format!(
                "{}: {e}; build the guests with `cargo xtask wasm-guests` (part of `cargo xtask install`)",
                path.display()
            );
            if std::env::var_os("CI").is_some_and(|v| v == "true") {
                panic!("{msg}");
            }
            eprintln!("skipping: {msg}");
            None
        }
    }
}
