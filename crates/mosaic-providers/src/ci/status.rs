//! Status tables: a CI system's own state words and the normalized
//! [`PipelineStatus`] each maps to.

use mosaic_core::cicd::PipelineStatus;

/// One row of a status table: the system's word and its normalized state.
pub type StatusRow = (&'static str, PipelineStatus);

/// The normalized state of `raw` in `table` (ASCII case-insensitive), or
/// `fallback` for a word the table does not know.
pub fn lookup(table: &[StatusRow], raw: &str, fallback: PipelineStatus) -> PipelineStatus {
    table
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(raw.trim()))
        .map(|(_, s)| *s)
        .unwrap_or(fallback)
}

/// Every word of `table` that maps to `status`, in table order.
pub fn words_for(table: &[StatusRow], status: PipelineStatus) -> Vec<&'static str> {
    table
        .iter()
        .filter(|(_, s)| *s == status)
        .map(|(w, _)| *w)
        .collect()
}

/// The single word a server-side filter can send for `status`, when
/// exactly one word of `table` maps to it.
pub fn single_word(table: &[StatusRow], status: PipelineStatus) -> Option<&'static str> {
    match words_for(table, status).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PipelineStatus::*;

    const T: &[StatusRow] = &[("a", Queued), ("b", Queued), ("c", Running)];

    #[test]
    fn looks_up_both_ways() {
        assert_eq!(lookup(T, "A", Success), Queued);
        assert_eq!(lookup(T, " c ", Success), Running);
        assert_eq!(lookup(T, "zz", Failure), Failure);
        assert_eq!(words_for(T, Queued), ["a", "b"]);
        assert_eq!(single_word(T, Queued), None);
        assert_eq!(single_word(T, Running), Some("c"));
        assert_eq!(single_word(T, Manual), None);
    }
}
