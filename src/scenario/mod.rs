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
//! Files: [`format`](mod@format) (the values), `load` (file level: header, spec, objects, workload;
//! discovery), `steps` (steps and asserts), `decode` and `yaml` (a located YAML tree and
//! strict readers of its nodes), `schema` (the JSON Schema), `errors`.

mod decode;
mod errors;
pub mod format;
mod load;
mod schema;
mod steps;

pub use errors::{ScenarioError, ScenarioErrorKind};
pub use format::{
    API_VERSION, AssertTiming, Assertion, ContainerMatch, ContainerStateKind, Detection, KIND,
    ObjectKind, ObjectRef, Observation, Operation, Pattern, PodMatch, PodPhase, Predicates,
    RunSpec, SIGNALS, Scenario, ScenarioSpec, Step, Timing, Update, WorkloadSpec,
};
pub use format::{HTTP_METHODS, HttpRequest, SIGNAL_TABLE, signal_number};
pub use load::{discover, load, load_str};
pub use schema::{SCHEMA_ID, json_schema};
