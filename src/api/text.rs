//! Reading a YAML file as text, with a location when it is not UTF-8.
//!
//! Why: `read_to_string` answers "stream did not contain valid UTF-8" and nothing else; the
//! user needs the line and column of the first bad byte to find it (issue 7).

use std::path::Path;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The file cannot be read (the OS reason is kept).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A byte that is not valid UTF-8.
    #[error(
        "invalid UTF-8: byte 0x{byte:02x} at line {line}, column {column} (hint: save the file as UTF-8)"
    )]
    InvalidUtf8 {
        /// The first bad byte.
        byte: u8,
        /// Its line (1-based).
        line: u64,
        /// Its column (1-based, in characters).
        column: u64,
    },
}

impl TextError {
    /// The line and column of the first bad byte, when that is the problem.
    pub fn location(&self) -> Option<(u64, u64)> {
        match self {
            TextError::Io(_) => None,
            TextError::InvalidUtf8 { line, column, .. } => Some((*line, *column)),
        }
    }
}

/// Reads `path` as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, TextError> {
    let bytes = std::fs::read(path)?;
    into_text(bytes)
}

/// `bytes` as a string, or where the first byte that is not UTF-8 is.
pub fn into_text(bytes: Vec<u8>) -> Result<String, TextError> {
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let valid = &bytes[..err.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        // The prefix is valid UTF-8 by construction; count characters, not bytes.
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count() as u64
            + 1;
        let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        TextError::InvalidUtf8 {
            byte: bytes.get(valid.len()).copied().unwrap_or_default(),
            line,
            column,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_line_and_column_of_the_first_bad_byte() {
        let err = into_text(b"a: 1\nb: \xc3\xa9\xff x\n".to_vec()).err();
        let Some(err) = err else {
            panic!("accepted invalid UTF-8")
        };
        assert_eq!(err.location(), Some((2, 5)));
        assert_eq!(
            err.to_string(),
            "invalid UTF-8: byte 0xff at line 2, column 5 (hint: save the file as UTF-8)"
        );
        assert!(into_text(b"ok\n".to_vec()).is_ok());
    }
}
