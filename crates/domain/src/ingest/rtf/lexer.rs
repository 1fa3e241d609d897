//! RTF split into tokens: braces, control words with their parameter, control symbols, `\'hh`
//! bytes and runs of text. One pass over the bytes, each token bounded (a control word's name
//! at most 32 letters, its parameter at most 10 digits), `\binN` data skipped within the input.

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token<'a> {
    Open,
    Close,
    /// `\word` or `\wordN`.
    Word(&'a str, Option<i32>),
    /// `\x` for a character that is not a letter (`\~`, `\-`, `\_`, `\*`, `\{` …).
    Symbol(u8),
    /// `\'hh`.
    Byte(u8),
    /// Text bytes (no backslash, brace, CR or LF).
    Text(&'a [u8]),
}

pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
}

const MAX_WORD: usize = 32;
const MAX_DIGITS: usize = 10;

impl<'a> Lexer<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Lexer { bytes, at: 0 }
    }

    /// Skips `n` bytes of `\bin` data (no further than the end).
    pub(super) fn skip_bytes(&mut self, n: usize) {
        self.at = self.at.saturating_add(n).min(self.bytes.len());
    }

    fn control(&mut self) -> Token<'a> {
        // at the byte after the backslash
        let b = self.bytes;
        let Some(&c) = b.get(self.at) else {
            return Token::Text(&[]);
        };
        if !c.is_ascii_alphabetic() {
            self.at += 1;
            if c == b'\'' {
                let hex = b.get(self.at..self.at + 2).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                if let Some(v) = hex {
                    self.at += 2;
                    return Token::Byte(v);
                }
                return Token::Text(&[]);
            }
            return match c {
                b'\n' | b'\r' => Token::Word("par", None),
                _ => Token::Symbol(c),
            };
        }
        let start = self.at;
        while self.at < b.len() && b[self.at].is_ascii_alphabetic() && self.at - start < MAX_WORD {
            self.at += 1;
        }
        let word = std::str::from_utf8(&b[start..self.at]).unwrap_or("");
        let num_start = self.at;
        if b.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let digits = self.at;
        while self.at < b.len() && b[self.at].is_ascii_digit() && self.at - digits < MAX_DIGITS {
            self.at += 1;
        }
        let param = if self.at > digits {
            std::str::from_utf8(&b[num_start..self.at])
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .map(|v| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
        } else {
            self.at = num_start;
            None
        };
        // one space delimits the control word and is part of it
        if b.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        Token::Word(word, param)
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let &c = self.bytes.get(self.at)?;
            match c {
                b'{' => {
                    self.at += 1;
                    return Some(Token::Open);
                }
                b'}' => {
                    self.at += 1;
                    return Some(Token::Close);
                }
                b'\\' => {
                    self.at += 1;
                    return Some(self.control());
                }
                b'\r' | b'\n' => self.at += 1,
                _ => {
                    let start = self.at;
                    while self
                        .bytes
                        .get(self.at)
                        .is_some_and(|b| !matches!(b, b'{' | b'}' | b'\\' | b'\r' | b'\n'))
                    {
                        self.at += 1;
                    }
                    return Some(Token::Text(&self.bytes[start..self.at]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t: Vec<Token> = Lexer::new(br"{\rtf1\ansicpg936 a\'c4\u-10179 b\~\{}").collect();
        assert_eq!(
            t,
            vec![
                Token::Open,
                Token::Word("rtf", Some(1)),
                Token::Word("ansicpg", Some(936)),
                Token::Text(b"a"),
                Token::Byte(0xC4),
                Token::Word("u", Some(-10179)),
                Token::Text(b"b"),
                Token::Symbol(b'~'),
                Token::Symbol(b'{'),
                Token::Close,
            ]
        );
        // cut short anywhere: no panic
        for cut in 0..12 {
            let _ = Lexer::new(&br"{\rtf1\'c"[..cut.min(9)]).count();
        }
        let long = format!("\\{}99999999999999", "a".repeat(100));
        assert!(Lexer::new(long.as_bytes()).count() > 1);
    }
}
