//! What a conversion could not carry over exactly.

use std::fmt;

/// What happened to an element the target format cannot hold as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    /// Kept verbatim (a raw node written back into its own format, or
    /// wrapped into a `raw:<format>` code block in another format).
    Preserved,
    /// Written in a simpler form (a level-5 heading as a level-3 Notion
    /// heading, a mention as its text).
    Simplified,
    /// An attribute the target format has no place for (underline, a text
    /// colour, a code macro's title) was left out.
    Dropped,
}

impl NoteKind {
    /// A short name.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoteKind::Preserved => "preserved",
            NoteKind::Simplified => "simplified",
            NoteKind::Dropped => "dropped",
        }
    }
}

/// One remark about a conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// What happened.
    pub kind: NoteKind,
    /// Where, as a path in the source (`/blocks/3/items/0`, a JSON pointer
    /// such as `/content/2/marks/1`, or a byte offset `@120`).
    pub at: String,
    /// The element concerned (`table`, `underline`, `macro:info`).
    pub element: String,
    /// What was done, in words.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} at {}: {}",
            self.kind.as_str(),
            self.element,
            self.at,
            self.message
        )
    }
}

/// Everything a conversion did not carry over exactly. Empty when the
/// conversion was lossless.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConversionReport {
    /// The remarks, in document order.
    pub notes: Vec<Note>,
}

impl ConversionReport {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a remark.
    pub fn note(
        &mut self,
        kind: NoteKind,
        at: impl Into<String>,
        element: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.notes.push(Note {
            kind,
            at: at.into(),
            element: element.into(),
            message: message.into(),
        });
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }

    /// Whether every element was carried over exactly or kept verbatim.
    pub fn is_lossless(&self) -> bool {
        self.notes.iter().all(|n| n.kind == NoteKind::Preserved)
    }

    /// Append another report's remarks.
    pub fn extend(&mut self, other: ConversionReport) {
        self.notes.extend(other.notes);
    }

    /// Log every remark at debug level (adapters call this so nothing is
    /// lost without a trace).
    pub fn trace(&self, provider: &str, what: &str) {
        for n in &self.notes {
            tracing::debug!(provider, conversion = what, note = %n, "content conversion");
        }
    }
}

/// The result of a conversion and its report.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted<T> {
    /// The converted value.
    pub value: T,
    /// What was not carried over exactly.
    pub report: ConversionReport,
}

impl<T> Converted<T> {
    /// A value and its report.
    pub fn new(value: T, report: ConversionReport) -> Self {
        Converted { value, report }
    }

    /// The value, discarding the report.
    pub fn into_value(self) -> T {
        self.value
    }
}
