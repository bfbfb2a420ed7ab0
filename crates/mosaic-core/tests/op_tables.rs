//! Each family module's documentation opens with a table of its
//! operations; the tables are checked against the families' definitions so
//! that they cannot drift: one row per operation, in declaration order,
//! with its method, parameters, output, access and class.

use mosaic_core::operation::meta;
use mosaic_core::{Access, OpKind, OpMeta};

/// The six cells of one table row.
type Row = [String; 6];

/// The class constant an operation is declared with.
fn class(m: OpMeta) -> &'static str {
    [
        ("READ", meta::READ),
        ("LIVE", meta::LIVE),
        ("CREATE", meta::CREATE),
        ("SET", meta::SET),
        ("CREATE_BROAD", meta::CREATE_BROAD),
        ("SET_BROAD", meta::SET_BROAD),
    ]
    .into_iter()
    .find(|(_, c)| *c == m)
    .map(|(name, _)| name)
    .unwrap_or_else(|| panic!("{m:?} is none of the classes"))
}

/// How the table writes an output type.
fn output_cell(output: &str) -> String {
    if output == "()" {
        return "`()`".into();
    }
    match output.split_once('<') {
        Some((outer, inner)) => format!("[`{outer}`] of [`{}`]", inner.trim_end_matches('>')),
        None => format!("[`{output}`]"),
    }
}

/// The rows of the table in `src/<module>/mod.rs`'s module docs.
fn table_rows(module: &str) -> Vec<Row> {
    let path = format!("{}/src/{module}/mod.rs", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .filter_map(|l| l.strip_prefix("//! | `"))
        .map(|row| {
            let cells: Vec<String> = format!("`{row}")
                .trim_end_matches(" |")
                .split(" | ")
                .map(str::to_owned)
                .collect();
            cells.try_into().unwrap_or_else(|c: Vec<String>| {
                panic!("{path}: a row of {} cells: {c:?}", c.len())
            })
        })
        .collect()
}

macro_rules! expected_rows {
    ($Kind:ty, $Trait:literal) => {
        <$Kind as OpKind>::ALL
            .iter()
            .map(|&op| -> Row {
                let m = op.meta();
                [
                    format!("`{}`", op.name()),
                    format!("[`{0}`]({1}::{0})", op.method(), $Trait),
                    format!("[`{}`]", op.params_type()),
                    output_cell(op.output_type()),
                    match m.access {
                        Access::Read => "read".into(),
                        Access::Write => "write".into(),
                    },
                    format!("`{}`", class(m)),
                ]
            })
            .collect::<Vec<Row>>()
    };
}

fn check(module: &str, expected: Vec<Row>) {
    let got = table_rows(module);
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(
            got.get(i),
            Some(want),
            "row {} of the operations table in src/{module}/mod.rs; it should read\n//! | {} |",
            i + 1,
            want.join(" | ")
        );
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "src/{module}/mod.rs: rows for operations the family does not have: {:?}",
        &got[expected.len().min(got.len())..]
    );
}

#[test]
fn git_table() {
    check(
        "git",
        expected_rows!(mosaic_core::git::GitOp, "GitProvider"),
    );
}

#[test]
fn cicd_table() {
    check(
        "cicd",
        expected_rows!(mosaic_core::cicd::CiCdOp, "CiCdProvider"),
    );
}

#[test]
fn ai_table() {
    check("ai", expected_rows!(mosaic_core::ai::AiOp, "AiProvider"));
}

#[test]
fn kb_table() {
    check(
        "kb",
        expected_rows!(mosaic_core::kb::KbOp, "KnowledgeBaseProvider"),
    );
}

#[test]
fn project_table() {
    check(
        "project",
        expected_rows!(mosaic_core::project::ProjectOp, "ProjectProvider"),
    );
}

#[test]
fn workflow_table() {
    check(
        "workflow",
        expected_rows!(mosaic_core::workflow::WorkflowOp, "WorkflowProvider"),
    );
}
