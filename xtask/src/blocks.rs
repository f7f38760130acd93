//! Generated blocks inside hand-written files: the lines between a begin and
//! an end marker line belong to `make routes`, everything else is kept byte
//! for byte.

/// The markers of one generated block.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub begin: &'static str,
    pub end: &'static str,
    /// Earlier spellings of the begin line: still found, and rewritten to
    /// `begin`.
    pub begin_was: &'static [&'static str],
}

/// Where a block's lines are: the begin line's start, the contents' start
/// and end (the end line's start).
struct Span {
    begin_line: usize,
    start: usize,
    stop: usize,
}

impl Block {
    fn span(&self, text: &str) -> Result<Span, String> {
        let is_begin = |line: &str| line == self.begin || self.begin_was.contains(&line);
        let line_at = |matches: &dyn Fn(&str) -> bool, from: usize| {
            let mut offset = from;
            for line in text[from..].split_inclusive('\n') {
                if matches(line.trim_end()) {
                    return Some((offset, offset + line.len()));
                }
                offset += line.len();
            }
            None
        };
        let (begin_line, start) =
            line_at(&is_begin, 0).ok_or_else(|| format!("no line `{}`", self.begin))?;
        let (stop, _) = line_at(&|l: &str| l == self.end, start)
            .ok_or_else(|| format!("no line `{}` after `{}`", self.end, self.begin))?;
        if line_at(&is_begin, start).is_some_and(|(b, _)| b < stop) {
            return Err(format!("`{}` twice", self.begin));
        }
        Ok(Span {
            begin_line,
            start,
            stop,
        })
    }

    /// The lines between the markers of `text`, or why there are none.
    pub fn contents<'t>(&self, text: &'t str) -> Result<&'t str, String> {
        let span = self.span(text)?;
        Ok(&text[span.start..span.stop])
    }

    /// `text` with the lines between the markers replaced by `contents`
    /// (which ends with a newline), and the begin line spelled as now.
    pub fn replace(&self, text: &str, contents: &str) -> Result<String, String> {
        let span = self.span(text)?;
        Ok(format!(
            "{}{}\n{contents}{}",
            &text[..span.begin_line],
            self.begin,
            &text[span.stop..]
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Block = Block {
        begin: "# B",
        end: "# E",
        begin_was: &["# old B"],
    };

    #[test]
    fn a_block_is_replaced_and_everything_around_it_kept() {
        let text = "a\n# B\nold\nlines\n# E\nz\n";
        assert_eq!(B.contents(text).unwrap(), "old\nlines\n");
        assert_eq!(B.replace(text, "new\n").unwrap(), "a\n# B\nnew\n# E\nz\n");
        assert!(B.contents("a\n# E\n# B\n").is_err());
        assert!(B.contents("# B\n# B\n# E\n").is_err());
    }

    #[test]
    fn an_earlier_begin_line_is_found_and_rewritten() {
        let text = "a\n# old B\nx\n# E\n";
        assert_eq!(B.contents(text).unwrap(), "x\n");
        assert_eq!(B.replace(text, "y\n").unwrap(), "a\n# B\ny\n# E\n");
    }
}
