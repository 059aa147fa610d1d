//! Scenario files (format v1alpha1): what they may say ([`format`]), reading and validating
//! them ([`load`], [`discover`]) and their JSON Schema ([`json_schema`]).
//!
//! This module owns the contract users write against (DESIGN.md, "Scenario format"). It turns
//! text into checked values, with a file:line:column and a hint for every problem; it never
//! runs a scenario (that is the runner's job).

mod decode;
mod errors;
pub mod format;
mod load;
mod schema;
mod steps;
mod yaml;

pub use errors::{ScenarioError, ScenarioErrorKind};
pub use format::{
    API_VERSION, AssertTiming, Assertion, ContainerMatch, ContainerStateKind, Detection, KIND,
    ObjectKind, ObjectRef, Observation, Operation, Pattern, PodMatch, PodPhase, Predicates,
    RunSpec, SIGNALS, Scenario, ScenarioSpec, Step, Timing, Update, WorkloadSpec,
};
pub use load::{discover, load, load_str};
pub use schema::json_schema;
