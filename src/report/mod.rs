//! Results of scenario runs as data, and the reporters that render them: console, JSON, JUnit.
//! The runner emits [`model::RunEvent`]s and never formats anything itself; values derived
//! from Secrets are already redacted when an event is made.

pub mod compare;
pub mod console;
pub mod excerpt;
pub mod json;
pub mod junit;
pub mod logs;
pub mod model;
pub mod progress;
