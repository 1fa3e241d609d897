//! The canonical form of a document and its checksum (see the module documentation of
//! `archive`): RFC 8785 (JCS) for what an archive holds.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The checksum of a document: SHA-256 (lower-case hex) of the canonical form of everything but
/// its top-level `sha256` member.
pub fn checksum(document: &Value) -> String {
    let mut sink = HashSink(Sha256::new());
    match document {
        Value::Object(members) => write_object(members, Some("sha256"), &mut sink),
        other => write_canonical(other, &mut sink),
    }
    crate::hex(&sink.0.finalize())
}

/// The canonical form of a JSON value (see the module documentation).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Where canonical JSON goes: a string, or straight into the hash (an archive with its files can
/// be large; the hash needs no second copy of it).
trait Sink {
    fn put(&mut self, s: &str);
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

struct HashSink(Sha256);

impl Sink for HashSink {
    fn put(&mut self, s: &str) {
        self.0.update(s.as_bytes());
    }
}

fn write_canonical(value: &Value, out: &mut impl Sink) {
    match value {
        Value::Null => out.put("null"),
        Value::Bool(true) => out.put("true"),
        Value::Bool(false) => out.put("false"),
        Value::Number(n) => out.put(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.put("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.put(",");
                }
                write_canonical(item, out);
            }
            out.put("]");
        }
        Value::Object(members) => write_object(members, None, out),
    }
}

/// An object with its members sorted by key (byte order), leaving out `skip`.
fn write_object(members: &serde_json::Map<String, Value>, skip: Option<&str>, out: &mut impl Sink) {
    let mut keys: Vec<&String> = members
        .keys()
        .filter(|k| Some(k.as_str()) != skip)
        .collect();
    keys.sort();
    out.put("{");
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.put(",");
        }
        write_string(key, out);
        out.put(":");
        if let Some(v) = members.get(key.as_str()) {
            write_canonical(v, out);
        }
    }
    out.put("}");
}

fn write_string(s: &str, out: &mut impl Sink) {
    out.put("\"");
    let mut plain = 0;
    for (i, ch) in s.char_indices() {
        let escaped = match ch {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            '\u{8}' => "\\b".to_string(),
            '\t' => "\\t".to_string(),
            '\n' => "\\n".to_string(),
            '\u{c}' => "\\f".to_string(),
            '\r' => "\\r".to_string(),
            c if u32::from(c) < 0x20 => format!("\\u{:04x}", u32::from(c)),
            _ => continue,
        };
        out.put(&s[plain..i]);
        out.put(&escaped);
        plain = i + ch.len_utf8();
    }
    out.put(&s[plain..]);
    out.put("\"");
}
