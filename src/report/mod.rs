//! The views of a run: the results journal, the progress bar, the summary.

pub mod results;
pub mod sanitise;
