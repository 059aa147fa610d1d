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
//! - typed: `metadata`, `spec.expect` and the `event` observation are Rust structs deriving
//!   serde's `Deserialize` (`deny_unknown_fields`) and schemars' `JsonSchema` (`event` is
//!   `written::Event`). `de` reads them from the located tree, so scalars stay as written and
//!   errors keep their line:column; unknown fields get "did you mean" from the struct's own
//!   field list; their JSON Schema is generated. Adding a field there is one edit (plus its
//!   tests, and the conversion to the runtime type in `format` where it needs one).
//! - hand-decoded: everything else, by `load`/`workload`/`sources`/`steps`/`assert`/
//!   `observation` over `decode`. Each of these mappings is also a type in `written` (names,
//!   descriptions, JSON types; the decoder's field lists and the JSON Schema come from there),
//!   so adding a field is the type edit plus reading its value. They stay hand-read because a
//!   typed read names a value by its dotted path in `de`'s generic words, and these pinned
//!   messages do not (issue 8 keeps every message as it is):
//!   - `pod`: `phase` is worded `invalid pod phase "X"` / `pod phase has no value`, with a
//!     did-you-mean among the phases (typed: `pod.phase …`);
//!   - `tls`, `http`: `port` must be an unquoted whole number (`port must be a whole number
//!     from 0 to 65535, found "80"`, `port must be 1 to 65535`), which a `Deserialize` cannot
//!     tell from a quoted one; `http` also checks `path`, `method` (uppercase hint),
//!     `headers` (token names, a name given twice ignoring case, no Content-Length) and
//!     `body` (not with GET or HEAD) against the field's own node;
//!   - `container`: `state` is worded `invalid container state`, `restarts` `restarts must be a
//!     whole number …`; `name` must be a container of the pod; a match of nothing is refused;
//!   - `signal`, `delete`, `update`: values are named bare (`signal`, `container`,
//!     `configMap`, `secret`), naming both objects is refused at the second key; `update`'s
//!     maps read unquoted numbers as the API server does (refused, with a quoting hint),
//!     check keys and base64 per kind and refuse `stringData`/`binaryData` by kind;
//!   - `run`: bare names (`command`, `args`, `workingDir`, `image`), list items are `each item
//!     of command`, `command must name a program`, env names without `=`;
//!   - `workload`: its `run` holds the hand-read `run` mappings, and its `file` is read first
//!     (before the objects) and again with the manifests;
//!   - custom `timing`: bare names (`invalid duration "x" for syncPeriod` with a unit hint),
//!     `detection` one of its values;
//!   - object sources (`spec.objects[]`, `apply:`): `file` is bare; `inline` keeps the located
//!     text so a manifest error points into it;
//!   - a step and an assert: exactly one operation or observation among their keys, the
//!     predicates the observation takes, references to earlier steps; `spec` reads its parts
//!     in dependency order (workload file, objects, steps).
//!
//! Moving one of these needs `de` to word a field as the decoder does (a per-field name and
//! reader), not a derive alone.
//!
//! Named special cases of the typed reading (where a derive alone would say less):
//! - `metadata::NonEmpty`: `metadata.name` and `event.reason` are read with the non-empty
//!   reader (`metadata.name must not be empty`); `event.reason` keeps the schema of a plain
//!   string (`schemars(with = "String")`), as before it was typed;
//! - a missing `event.reason` keeps its example hint (`write `event: {reason: FailedMount}``)
//!   through `de::from_node_hinted`, instead of the generic `add `reason:` under event`;
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
