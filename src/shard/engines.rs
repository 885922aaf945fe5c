//! `--shard auto`: which shard this process is, read from the environment
//! of the job engine that started it, each engine's index converted to
//! greenbatch's `K/N` counted from 1.
//!
//! - **Kubernetes Indexed Job**: `JOB_COMPLETION_INDEX` (from 0) is set by
//!   Kubernetes; the job's `completions` is not passed to its pods, so the
//!   pod template sets `JOB_COMPLETIONS` to the same number
//!   (examples/k8s/indexed-job.yaml).
//! - **Slurm job array**: `SLURM_ARRAY_TASK_ID` among
//!   `SLURM_ARRAY_TASK_COUNT` tasks; the IDs are the array's own
//!   (`--array=1-8`, `--array=0-14:2`), so `SLURM_ARRAY_TASK_MIN` and
//!   `SLURM_ARRAY_TASK_STEP` place the task in the range. A list that is
//!   not a range (`--array=1,2,7`) is refused.
//! - **AWS Batch array job**: `AWS_BATCH_JOB_ARRAY_INDEX` (from 0) among
//!   `AWS_BATCH_JOB_ARRAY_SIZE`.
//!
//! A variable set to nothing counts as not set. Two engines' variables at
//! once are refused rather than one picked: a wrong shard sends nothing
//! for some instances and twice for none, silently.

use super::Shard;

/// Reads `env` for the one engine whose index variable is set.
pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let engines: [(&str, &str, Reader); 3] = [
        (
            "a Kubernetes Indexed Job",
            "JOB_COMPLETION_INDEX",
            kubernetes,
        ),
        ("a Slurm job array", "SLURM_ARRAY_TASK_ID", slurm),
        (
            "an AWS Batch array job",
            "AWS_BATCH_JOB_ARRAY_INDEX",
            aws_batch,
        ),
    ];
    let set: Vec<_> = engines
        .iter()
        .filter(|(_, index, _)| get(index).is_some())
        .collect();
    match set.as_slice() {
        [] => Err(NOTHING_SET.into()),
        [(_, _, read)] => read(&get),
        [(a, va, _), (b, vb, _), ..] => Err(format!(
            "--shard auto found the variables of two job engines, {va} ({a}) and {vb} ({b}); say which shard this is with --shard K/N"
        )),
    }
}

type Reader = fn(&dyn Fn(&str) -> Option<String>) -> Result<Shard, String>;

const NOTHING_SET: &str = "--shard auto found no job engine's index in the environment: \
     set JOB_COMPLETION_INDEX and JOB_COMPLETIONS (a Kubernetes Indexed Job), \
     SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array), \
     or AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE (an AWS Batch array job); \
     or say the shard, like --shard 1/4";

/// The number in `var`, or why it is not one.
fn number(get: &dyn Fn(&str) -> Option<String>, var: &str) -> Result<Option<u32>, String> {
    let Some(text) = get(var) else {
        return Ok(None);
    };
    let t = text.trim();
    match t.parse::<u32>() {
        Ok(n) if t.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
        _ => Err(format!(
            "{var} is `{}`, not a whole number",
            crate::sanitise::clip(&crate::sanitise::terminal(t), 40)
        )),
    }
}

/// Shard `index + 1` of `count`, where `index` counts from 0.
fn from_zero(index: u32, count: u32, index_var: &str, count_var: &str) -> Result<Shard, String> {
    if count == 0 || index >= count {
        return Err(format!(
            "{index_var} is {index} but {count_var} is {count}: the index runs from 0 to one less than the count"
        ));
    }
    Shard::new(index + 1, count).map_err(|e| format!("{count_var} is {count}: {e}"))
}

fn kubernetes(get: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let index = number(get, "JOB_COMPLETION_INDEX")?.unwrap_or_default();
    let Some(count) = number(get, "JOB_COMPLETIONS")? else {
        return Err("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but JOB_COMPLETIONS is not: \
             Kubernetes does not pass the job's completions to its pods; set JOB_COMPLETIONS in the \
             pod template's env to the job's spec.completions (see examples/k8s/indexed-job.yaml), \
             or say the shard with --shard K/N"
            .into());
    };
    from_zero(index, count, "JOB_COMPLETION_INDEX", "JOB_COMPLETIONS")
}

fn aws_batch(get: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let index = number(get, "AWS_BATCH_JOB_ARRAY_INDEX")?.unwrap_or_default();
    let Some(size) = number(get, "AWS_BATCH_JOB_ARRAY_SIZE")? else {
        return Err("AWS_BATCH_JOB_ARRAY_INDEX is set (an AWS Batch array job) but AWS_BATCH_JOB_ARRAY_SIZE is not; \
             AWS Batch sets both in an array job's children: say the shard with --shard K/N"
            .into());
    };
    from_zero(
        index,
        size,
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "AWS_BATCH_JOB_ARRAY_SIZE",
    )
}

/// A Slurm task's place in its array: `(ID - MIN) / STEP + 1` of COUNT,
/// when the IDs are the range MIN, MIN + STEP, … (MAX, when set, its last).
fn slurm(get: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let id = number(get, "SLURM_ARRAY_TASK_ID")?.unwrap_or_default();
    let Some(count) = number(get, "SLURM_ARRAY_TASK_COUNT")? else {
        return Err(
            "SLURM_ARRAY_TASK_ID is set (a Slurm job array) but SLURM_ARRAY_TASK_COUNT is not; \
             say the shard with --shard K/N"
                .into(),
        );
    };
    let min = number(get, "SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
    let step = number(get, "SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
    let max = number(get, "SLURM_ARRAY_TASK_MAX")?;
    let last = u64::from(min) + u64::from(count.saturating_sub(1)) * u64::from(step);
    let regular = id >= min
        && (id - min) % step == 0
        && u64::from(id) <= last
        && max.is_none_or(|m| u64::from(m) == last);
    if count == 0 || !regular {
        return Err(format!(
            "the Slurm array is not a range of {count} tasks (SLURM_ARRAY_TASK_ID {id}, MIN {min}, STEP {step}{}): \
             submit it as --array=1-{count} or --array=0-{}, or say the shard with --shard K/N",
            max.map_or(String::new(), |m| format!(", MAX {m}")),
            count.saturating_sub(1)
        ));
    }
    Shard::new((id - min) / step + 1, count)
        .map_err(|e| format!("SLURM_ARRAY_TASK_COUNT is {count}: {e}"))
}
