//! JSON written the way Python's `json.dumps` writes it (`", "` and `": "`
//! separators, keys in the order given, non-ASCII escaped), so that the
//! dashboard body stays byte for byte what the template has always held.

/// A JSON value whose objects keep their keys in order.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    S(String),
    N(i64),
    B(bool),
    A(Vec<J>),
    O(Vec<(&'static str, J)>),
}

/// A string value.
pub fn s(text: impl Into<String>) -> J {
    J::S(text.into())
}

/// An array of string values.
pub fn strings(items: &[&str]) -> J {
    J::A(items.iter().map(|i| s(*i)).collect())
}

impl J {
    /// The text `json.dumps` gives for this value.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::S(text) => quote(text, out),
            J::N(n) => out.push_str(&n.to_string()),
            J::B(b) => out.push_str(if *b { "true" } else { "false" }),
            J::A(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::O(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quote(key, out);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_python_writes_them() {
        let value = J::O(vec![
            ("id", s("e")),
            ("visible", J::B(false)),
            ("n", J::N(300)),
            ("m", strings(&["a\"b", "é", "😀"])),
        ]);
        assert_eq!(
            value.dump(),
            r#"{"id": "e", "visible": false, "n": 300, "m": ["a\"b", "\u00e9", "\ud83d\ude00"]}"#
        );
    }
}
