//! Run log archives: the zip GitHub redirects to, turned into text.

use super::PROVIDER;
use std::io::{Cursor, Read};

use mosaic_core::{Error, ErrorKind, Result};

/// One text file of a log archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) text: String,
}

/// The leading number of `0_build.txt` / `build/3_Run tests.txt` file
/// names, for ordering.
fn order_key(name: &str) -> (u64, String) {
    let file = name.rsplit('/').next().unwrap_or(name);
    let n = file
        .split_once('_')
        .and_then(|(n, _)| n.parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    (n, name.to_owned())
}

/// The text files of a run's log archive.
///
/// The archive holds one `N_<job>.txt` per job at its top level (the whole
/// job's log) and a folder per job with one file per step. The top-level
/// files are returned when there are any (so nothing is repeated),
/// otherwise every step file; ordered by their leading number, then name.
/// At most `max_bytes` of text is read in total (larger archives are
/// `InvalidInput`, so a hostile archive cannot exhaust memory).
pub(crate) fn extract(zip_bytes: &[u8], max_bytes: u64) -> Result<Vec<Entry>> {
    let bad = |e: zip::result::ZipError| {
        Error::decode("the run's log archive", e).with_provider(PROVIDER)
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).map_err(bad)?;
    let mut all = Vec::new();
    let mut budget = max_bytes;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(bad)?;
        if !file.is_file() {
            continue;
        }
        let name = file.name().map_err(bad)?.into_owned();
        if !name.ends_with(".txt") {
            continue;
        }
        let mut buf = Vec::new();
        let read = (&mut file)
            .take(budget.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| Error::decode("the run's log archive", e).with_provider(PROVIDER))?;
        if read as u64 > budget {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("the run's logs exceed the {max_bytes}-byte limit"),
            )
            .with_provider(PROVIDER));
        }
        budget -= read as u64;
        all.push(Entry {
            name,
            text: String::from_utf8_lossy(&buf).into_owned(),
        });
    }
    let top: Vec<Entry> = all
        .iter()
        .filter(|e| !e.name.contains('/'))
        .cloned()
        .collect();
    let mut chosen = if top.is_empty() { all } else { top };
    chosen.sort_by_key(|e| order_key(&e.name));
    Ok(chosen)
}

/// The entries as one text: each introduced by a `=== name ===` line.
pub(crate) fn join(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str("=== ");
        out.push_str(&e.name);
        out.push_str(" ===\n");
        out.push_str(&e.text);
        if !e.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// A zip of `(name, text)` files, deflated.
    pub(crate) fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            if name.ends_with('/') {
                w.add_directory(*name, opts).unwrap();
            } else {
                w.start_file(*name, opts).unwrap();
                w.write_all(text.as_bytes()).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn prefers_whole_job_files_in_order() {
        let z = zip_of(&[
            ("build/", ""),
            ("build/1_Set up job.txt", "setup\n"),
            ("10_lint.txt", "lint all"),
            ("2_test.txt", "test all\n"),
            ("0_build.txt", "build all\n"),
            ("notes.json", "{}"),
        ]);
        let e = extract(&z, 1 << 20).unwrap();
        let names: Vec<&str> = e.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["0_build.txt", "2_test.txt", "10_lint.txt"]);
        assert_eq!(
            join(&e),
            "=== 0_build.txt ===\nbuild all\n=== 2_test.txt ===\ntest all\n=== 10_lint.txt ===\nlint all\n"
        );
    }

    #[test]
    fn falls_back_to_step_files() {
        let z = zip_of(&[
            ("build/2_Run.txt", "run\n"),
            ("build/1_Set up job.txt", "setup\n"),
        ]);
        let names: Vec<String> = extract(&z, 1 << 20)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["build/1_Set up job.txt", "build/2_Run.txt"]);
    }

    #[test]
    fn limits_and_garbage() {
        let z = zip_of(&[("0_a.txt", "0123456789")]);
        assert_eq!(extract(&z, 10).unwrap()[0].text, "0123456789");
        assert_eq!(extract(&z, 9).unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(
            extract(b"not a zip", 10).unwrap_err().kind(),
            ErrorKind::Decode
        );
        assert!(extract(&z[..z.len() / 2], 100).is_err());
    }
}
