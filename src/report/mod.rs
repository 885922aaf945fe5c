//! The views of a run: the results journal, the progress bar, the logs, the
//! summary. Each consumes the engine's events; none of them drives it. And
//! what is read after a run: [`review`], behind `greenbatch report`.

pub(crate) mod consumer;
pub mod group_counts;
pub(crate) mod held;
pub(crate) mod live_plan;
pub(crate) mod notice;
pub(crate) mod progress;
pub mod results;
pub mod review;
pub(crate) mod summary;
pub mod tally;
pub mod term;
