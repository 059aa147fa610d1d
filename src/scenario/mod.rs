//! Scenario files (format v1alpha1): what they may say ([`format`](mod@format)), reading and validating
//! them ([`load`], [`discover`]) and their JSON Schema ([`json_schema`]).
//!
//! This module owns the contract users write against (DESIGN.md, "Scenario format"). It turns
//! text into checked values, with a file:line:column and a hint for every problem; it never
//! runs a scenario (that is the runner's job).
//!
//! ```no_run
//! use std::path::PathBuf;
//! use kubedrill::scenario::{self, Operation};
//!
//! for file in scenario::discover(&[PathBuf::from("scenarios")])? {
//!     // Errors display as `scenarios/x.yaml:12:7: unknown field `equal` in assert (hint: …)`.
//!     let scenario = scenario::load(&file)?;
//!     for step in &scenario.spec.steps {
//!         if let Operation::Assert(assertion) = &step.op {
//!             println!("{}: {}", step.label(), assertion.observation.keyword());
//!         }
//!     }
//! }
//! # Ok::<(), kubedrill::scenario::ScenarioError>(())
//! ```
//!
//! Files: [`format`](mod@format) (the values), `fields` (the names the format knows), `load`
//! (file level: header, metadata, spec, timing), `sources` (manifest files and inline objects),
//! `workload` (`spec.workload` and `run:`), `object_state` (which objects exist at each step),
//! `steps` (one operation per step), `assert` (predicates and timing of an assert),
//! `observation` (what an assert observes, dispatched by `ObservationKind`), `metadata` (name,
//! description, labels), `de` (a serde Deserializer over the located YAML tree), `decode`
//! (strict readers of located YAML nodes, over [`crate::yaml`]), `schema` (the JSON Schema),
//! `discover` (finding scenario files), `written` (the hand-decoded mappings as types, for
//! names and schema), `errors`.
//!
//! Two ways of reading, while the format moves to typed definitions (issue 8):
//! - typed: `metadata` and `spec.expect` are Rust structs deriving serde's `Deserialize`
//!   (`deny_unknown_fields`) and schemars' `JsonSchema`. `de` reads them from the located tree,
//!   so scalars stay as written and errors keep their line:column; unknown fields get "did you
//!   mean" from the struct's own field list; their JSON Schema is generated. Adding a field
//!   there is one edit (plus its tests).
//! - hand-decoded: everything else, by `load`/`steps`/`assert`/`observation` over `decode`.
//!   Every mapping below `spec` (a step, an assert, the `http`, `tls`, `container`, `pod`,
//!   `event` observations, `run`, `workload`, object sources, custom `timing`, `update`,
//!   `delete`, `signal`) is also a type in `written`: its names, descriptions and JSON types.
//!   The decoder's field lists and the JSON Schema both come from those types, so adding a
//!   field there is the type edit plus reading its value (the decoder's located messages are
//!   kept as they were). `spec` is a type there too; only the top level (`apiVersion`,
//!   `kind`, `metadata`, `spec`) and the predicates are listed by hand in `fields`.
//!
//! Named special cases of the typed reading (where a derive alone would say less):
//! - `metadata::NonEmpty`: `metadata.name` is read with the non-empty reader
//!   (`metadata.name must not be empty`);
//! - label keys/values and `expect.fail` are checked after the typed read, against their
//!   nodes (Kubernetes label syntax; the step must exist, with "did you mean");
//! - null is not "absent": an optional field written as `~` is refused (`PATH has no value`),
//!   as the hand decoder does.
mod assert;
mod de;
mod decode;
mod discover;
mod errors;
mod fields;
pub mod format;
mod load;
mod metadata;
mod object_state;
mod observation;
mod schema;
mod sources;
mod steps;
mod workload;
mod written;

pub use discover::discover;
pub use errors::{ScenarioError, ScenarioErrorKind};
pub use format::{
    API_VERSION, AssertTiming, Assertion, ContainerMatch, ContainerStateKind, Detection, Expect,
    KIND, ObjectKind, ObjectRef, Observation, Operation, Pattern, PodMatch, PodPhase, Predicates,
    RunSpec, SIGNALS, Scenario, ScenarioSpec, Step, Timing, Update, WorkloadSpec,
};
pub use format::{HTTP_METHODS, HttpRequest, SIGNAL_TABLE, signal_number};
pub use load::{load, load_str};
pub use schema::{SCHEMA_ID, json_schema};
