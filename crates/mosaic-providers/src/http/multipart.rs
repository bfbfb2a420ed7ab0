//! A small `multipart/form-data` body builder (RFC 7578).
//!
//! Enough for providers that take file uploads as form parts (Bitbucket's
//! `/src` commits, file uploads to AI and knowledge-base APIs) without
//! streaming. The boundary is derived from the content's SHA-256, so the
//! same form always encodes to the same bytes and the boundary cannot
//! occur in the content by accident.

use bytes::Bytes;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

/// A `multipart/form-data` body under construction.
#[derive(Debug, Clone, Default)]
pub struct Form {
    parts: Vec<Part>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form::default()
    }

    /// Add a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: None,
            data: value.into().into_bytes(),
        });
        self
    }

    /// Add a file part.
    pub fn file(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        self.parts.push(Part {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: Some(content_type.into()),
            data: data.into(),
        });
        self
    }

    /// Whether the form has no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    fn boundary(&self) -> String {
        let mut h = Sha256::new();
        for p in &self.parts {
            h.update(p.name.as_bytes());
            h.update([0]);
            h.update(&p.data);
            h.update([0]);
        }
        let digest = h.finalize();
        format!("mosaic-{}", hex::encode(&digest[..16]))
    }

    /// The `Content-Type` header value and the encoded body.
    pub fn encode(&self) -> (String, Bytes) {
        let boundary = self.boundary();
        let mut body = Vec::new();
        for p in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let mut disp = format!(
                "Content-Disposition: form-data; name=\"{}\"",
                quote(&p.name)
            );
            if let Some(f) = &p.filename {
                disp.push_str(&format!("; filename=\"{}\"", quote(f)));
            }
            body.extend_from_slice(disp.as_bytes());
            body.extend_from_slice(b"\r\n");
            if let Some(ct) = &p.content_type {
                body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&p.data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (
            format!("multipart/form-data; boundary={boundary}"),
            Bytes::from(body),
        )
    }
}

/// Escape a field or file name the way browsers do (`"`, CR, LF).
fn quote(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_parts_with_a_stable_boundary() {
        let form = Form::new().text("message", "hi").file(
            "a \"b\".txt",
            "a.txt",
            "application/octet-stream",
            b"\x00\x01".to_vec(),
        );
        let (ct, body) = form.encode();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"message\"\r\n\r\nhi\r\n"));
        assert!(text.contains("name=\"a %22b%22.txt\"; filename=\"a.txt\""));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert_eq!(form.encode(), (ct.clone(), body.clone()));
        assert_ne!(Form::new().text("message", "other").encode().0, ct);
    }
}
