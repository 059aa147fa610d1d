//! Field paths as the API server prints them: `data[a b]`, `spec.volumes[0].configMap.items[1].path`.
//!
//! Owns parsing and printing paths. It decides nothing about validity.

use super::*;

// ---------------------------------------------------------------------------------------------
// Field paths and field errors
// ---------------------------------------------------------------------------------------------

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A named field, e.g. `data` or `items`. An empty name prints as `[]` (the whole object).
    Field(String),
    /// A map key, printed as `[key]`, e.g. `data[tls.crt]`.
    Key(String),
    /// A list index, printed as `[index]`.
    Index(usize),
}

/// The path to a field, printed the way the API server prints it: `spec.volumes[0].name`,
/// `data[tls.key]`, or `[]` for the whole object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath {
    pub(super) segments: Vec<PathSegment>,
}

impl FieldPath {
    /// A path starting at the named field.
    pub fn new(name: &str) -> Self {
        Self {
            segments: vec![PathSegment::Field(name.to_string())],
        }
    }

    /// The path of the whole object, printed `[]` (`field.NewPath("")` upstream).
    pub fn whole_object() -> Self {
        Self::new("")
    }

    /// Parses the printed form, e.g. `spec.volumes[0].configMap.items` or `data[tls.crt]`.
    /// A bracketed run of digits is an index, any other bracketed text is a map key.
    pub fn parse(text: &str) -> Self {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let (key, after) = match inner.find(']') {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => (inner, ""),
                };
                segments.push(match key.parse::<usize>() {
                    Ok(index) if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => {
                        PathSegment::Index(index)
                    }
                    _ => PathSegment::Key(key.to_string()),
                });
                rest = after.strip_prefix('.').unwrap_or(after);
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                segments.push(PathSegment::Field(rest[..end].to_string()));
                rest = &rest[end..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
            }
        }
        Self { segments }
    }

    /// This path extended by a named field.
    #[must_use]
    pub fn child(&self, name: &str) -> Self {
        self.with(PathSegment::Field(name.to_string()))
    }

    /// This path extended by a map key (`[key]`).
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        self.with(PathSegment::Key(key.to_string()))
    }

    /// This path extended by a list index (`[index]`).
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        self.with(PathSegment::Index(index))
    }

    /// The steps of this path, from the root.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    pub(super) fn with(&self, segment: PathSegment) -> Self {
        let mut segments = self.segments.clone();
        segments.push(segment);
        Self { segments }
    }
}

impl From<&str> for FieldPath {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PathSegment::Field(name) if name.is_empty() => f.write_str("[]")?,
                PathSegment::Field(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                PathSegment::Key(key) => write!(f, "[{key}]")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
