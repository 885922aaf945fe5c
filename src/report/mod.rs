//! The views of a run: the results journal, the progress bar, the summary.
