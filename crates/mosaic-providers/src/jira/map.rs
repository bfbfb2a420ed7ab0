//! Jira JSON ⇄ Mosaic's tracker types: ADF bodies through the
//! [`convert`](crate::convert) module, JQL quoting, timestamps, error
//! bodies.

use mosaic_core::project::{Comment, Issue, Project, StatusCategory, User};
use mosaic_core::{Error, Result, redact};
use serde_json::Value;

use super::{PROVIDER, named, wire};
use crate::convert;
use crate::tracker_support::{Raw, RawResponse};

/// Longest upstream message kept in an error.
const MAX_MESSAGE: usize = 300;

/// Jira's `+0000` offsets as RFC 3339's `+00:00`; anything else unchanged.
pub(crate) fn rfc3339(t: &str) -> String {
    let b = t.as_bytes();
    let n = b.len();
    if n >= 5
        && matches!(b[n - 5], b'+' | b'-')
        && b[n - 4..].iter().all(u8::is_ascii_digit)
        && t.contains('T')
    {
        format!("{}:{}", &t[..n - 2], &t[n - 2..])
    } else {
        t.to_owned()
    }
}

/// Markdown as an ADF document (the conversion report is logged).
pub(crate) fn to_adf(markdown: &str, what: &str) -> Value {
    let c = convert::markdown_to_adf(markdown);
    c.report.trace(PROVIDER, what);
    c.value
}

/// An ADF document as Markdown; `null` is no text. A malformed document
/// is a `Decode` error naming its JSON pointer.
pub(crate) fn from_adf(doc: &Value, what: &str) -> Result<Option<String>> {
    if doc.is_null() {
        return Ok(None);
    }
    let c = convert::adf_to_markdown(doc).map_err(named)?;
    c.report.trace(PROVIDER, what);
    Ok(Some(c.value))
}

/// A JQL string literal.
pub(crate) fn jql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A project id (a number) or key (a quoted string) as a JQL value.
pub(crate) fn jql_project(p: &str) -> String {
    if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
        p.to_owned()
    } else {
        jql_string(p)
    }
}

/// Split a JQL query into its filter and its `ORDER BY` clause (found
/// outside quoted strings), so a restriction can be added to the filter.
pub(crate) fn split_order_by(jql: &str) -> (&str, Option<&str>) {
    let bytes = jql.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let at_keyword = |i: usize, word: &[u8]| {
        bytes.len() >= i + word.len() && bytes[i..i + word.len()].eq_ignore_ascii_case(word)
    };
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if (i == 0 || !is_word(bytes[i - 1])) && at_keyword(i, b"order") => {
                // `order`, whitespace, `by`, then the end or whitespace.
                let mut j = i + 5;
                let spaces = j;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j > spaces
                    && at_keyword(j, b"by")
                    && bytes.get(j + 2).is_none_or(|b| b.is_ascii_whitespace())
                {
                    // `i` is at an ASCII byte, so a character boundary.
                    return (jql[..i].trim_end(), Some(jql[i..].trim()));
                }
            }
            None => {}
        }
        i += 1;
    }
    (jql.trim(), None)
}

/// A JQL query restricted to `project` (when given).
pub(crate) fn restrict(jql: &str, project: Option<&str>) -> String {
    let Some(p) = project else {
        return jql.trim().to_owned();
    };
    let (filter, order) = split_order_by(jql);
    let mut out = format!("project = {}", jql_project(p));
    if !filter.is_empty() {
        out.push_str(&format!(" AND ({filter})"));
    }
    if let Some(o) = order {
        out.push(' ');
        out.push_str(o);
    }
    out
}

pub(crate) fn project(p: wire::Project, site: &str) -> Project {
    Project {
        web_url: Some(format!("{site}/browse/{}", p.key)),
        id: p.id,
        key: Some(p.key),
        name: p.name,
        description: p.description.filter(|d| !d.trim().is_empty()),
    }
}

/// Jira's status category key as Mosaic's category.
pub(crate) fn category(key: Option<&str>) -> StatusCategory {
    match key {
        Some("indeterminate") => StatusCategory::InProgress,
        Some("done") => StatusCategory::Done,
        // new, undefined
        _ => StatusCategory::Todo,
    }
}

pub(crate) fn issue(i: wire::Issue, site: &str) -> Result<Issue> {
    let f = i.fields;
    let description = match &f.description {
        Some(d) => from_adf(d, "issue description")?,
        None => None,
    };
    let (status, status_category) = match f.status {
        Some(s) => {
            let c = category(s.status_category.as_ref().map(|c| c.key.as_str()));
            (s.name, c)
        }
        None => (String::new(), StatusCategory::Todo),
    };
    let project_id = f
        .project
        .and_then(|p| p.id.or(p.key))
        .unwrap_or_else(|| i.key.rsplit_once('-').map_or("", |(p, _)| p).to_owned());
    Ok(Issue {
        web_url: Some(format!("{site}/browse/{}", i.key)),
        id: i.id,
        key: i.key,
        project_id,
        title: f.summary.unwrap_or_default(),
        description,
        status,
        status_category,
        labels: f.labels.unwrap_or_default(),
        assignees: f.assignee.into_iter().map(|a| a.account_id).collect(),
        priority: f.priority.map(|p| p.name),
        created_at: f.created.as_deref().map(rfc3339),
        updated_at: f.updated.as_deref().map(rfc3339),
    })
}

pub(crate) fn comment(c: wire::Comment) -> Result<Comment> {
    Ok(Comment {
        body: from_adf(&c.body, "comment body")?.unwrap_or_default(),
        id: c.id,
        author: c.author.map(|a| a.account_id),
        created_at: c.created.as_deref().map(rfc3339),
    })
}

pub(crate) fn user(u: wire::User) -> User {
    User {
        name: u.display_name.unwrap_or_else(|| u.account_id.clone()),
        id: u.account_id,
        email: u.email_address.filter(|e| !e.is_empty()),
    }
}

fn clean(text: &str) -> String {
    let text = redact(text.trim());
    if text.chars().count() <= MAX_MESSAGE {
        text
    } else {
        let mut s: String = text.chars().take(MAX_MESSAGE).collect();
        s.push('…');
        s
    }
}

/// The error of a non-2xx answer: the transport's kind and wait, with
/// the messages of Jira's `errorMessages` and the `errors` field map as
/// field errors.
pub(crate) fn error(raw: &Raw, r: &RawResponse) -> Error {
    let base = raw.fallback_error(r);
    let Ok(body) = serde_json::from_slice::<wire::ErrorCollection>(&r.body) else {
        return base;
    };
    if body.error_messages.is_empty() && body.errors.is_empty() {
        return base;
    }
    let mut parts: Vec<String> = body.error_messages.iter().map(|m| clean(m)).collect();
    let fields: Vec<mosaic_core::FieldError> = body
        .errors
        .iter()
        .map(|(f, m)| mosaic_core::FieldError::new(f.clone(), clean(m)))
        .collect();
    parts.extend(fields.iter().map(|f| format!("{}: {}", f.field, f.message)));
    let mut err = named(Error::new(
        base.kind(),
        format!("{}: {}", redact(&r.what), parts.join("; ")),
    ))
    .with_status(r.status.as_u16());
    if !fields.is_empty() {
        err = err.with_fields(fields);
    }
    if let Some(d) = base.retry_after() {
        err = err.with_retry_after(d);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(
            rfc3339("2024-01-10T10:00:00.000+0000"),
            "2024-01-10T10:00:00.000+00:00"
        );
        assert_eq!(
            rfc3339("2024-01-10T10:00:00.000-0530"),
            "2024-01-10T10:00:00.000-05:30"
        );
        assert_eq!(rfc3339("2024-01-10T10:00:00Z"), "2024-01-10T10:00:00Z");
        assert_eq!(rfc3339("2024"), "2024");
    }

    #[test]
    fn jql() {
        assert_eq!(jql_string(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
        assert_eq!(jql_project("10000"), "10000");
        assert_eq!(jql_project("ENG"), "\"ENG\"");
        assert_eq!(
            split_order_by("status = Done ORDER BY created DESC"),
            ("status = Done", Some("ORDER BY created DESC"))
        );
        assert_eq!(
            split_order_by(r#"summary ~ "order by" and reorder = 1"#),
            (r#"summary ~ "order by" and reorder = 1"#, None)
        );
        assert_eq!(split_order_by("order by key"), ("", Some("order by key")));
        assert_eq!(
            restrict("assignee = currentUser() order by updated", Some("ENG")),
            "project = \"ENG\" AND (assignee = currentUser()) order by updated"
        );
        assert_eq!(restrict("", Some("10000")), "project = 10000");
        assert_eq!(restrict(" text ~ x ", None), "text ~ x");
    }

    #[test]
    fn categories() {
        assert_eq!(category(Some("new")), StatusCategory::Todo);
        assert_eq!(category(Some("indeterminate")), StatusCategory::InProgress);
        assert_eq!(category(Some("done")), StatusCategory::Done);
        assert_eq!(category(None), StatusCategory::Todo);
    }
}
