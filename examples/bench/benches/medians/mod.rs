//! Criterion's medians, read back from the estimates it saved, for the one-line summaries.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// Where criterion writes its results, found as criterion finds it: `$CRITERION_HOME`,
/// `$CARGO_TARGET_DIR/criterion`, the target directory `cargo metadata` names, `target/criterion`.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let metadata = std::env::var_os("CARGO").and_then(|cargo| {
        std::process::Command::new(cargo).args(["metadata", "--format-version", "1", "--no-deps"]).output().ok()
    });
    metadata
        .and_then(|output| serde_json::from_slice::<serde_json::Value>(&output.stdout).ok())
        .and_then(|metadata| metadata["target_directory"].as_str().map(PathBuf::from))
        .map_or_else(|| PathBuf::from("target/criterion"), |target| target.join("criterion"))
}

/// One of the files criterion saved for `group/function` (`new/<file>`), if this run measured
/// it (saved it after `since`): not in `--test` mode, nor when a filter left it out.
fn saved(since: SystemTime, group: &str, function: &str, file: &str) -> Option<serde_json::Value> {
    let path = criterion_home().join(group).join(function).join("new").join(file);
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()
}

/// The median time per iteration of benchmark `group/function`, if this run measured it.
pub(crate) fn median(since: SystemTime, group: &str, function: &str) -> Option<Duration> {
    let estimates = saved(since, group, function, "estimates.json")?;
    let nanos = estimates["median"]["point_estimate"].as_f64()?;
    Some(Duration::from_secs_f64(nanos / 1e9))
}

/// The time per iteration of the fastest sample of `group/function` in this run: on a noisy
/// machine, the closest reading of what the code costs when nothing else runs.
#[allow(dead_code, reason = "only some benchmarks print it")]
pub(crate) fn best(since: SystemTime, group: &str, function: &str) -> Option<Duration> {
    let sample = saved(since, group, function, "sample.json")?;
    let (iters, times) = (sample["iters"].as_array()?, sample["times"].as_array()?);
    let per_iteration = iters.iter().zip(times).filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?));
    let nanos = per_iteration.fold(f64::INFINITY, f64::min);
    nanos.is_finite().then(|| Duration::from_secs_f64(nanos / 1e9))
}

/// A median for the summary, or `n/a` when this run did not measure it.
pub(crate) fn show(median: Option<Duration>) -> String {
    match median {
        None => "n/a".to_owned(),
        Some(d) if d < Duration::from_micros(1) => format!("{:.1} ns", d.as_secs_f64() * 1e9),
        Some(d) if d < Duration::from_millis(1) => format!("{:.2} µs", d.as_secs_f64() * 1e6),
        Some(d) => format!("{:.2} ms", d.as_secs_f64() * 1e3),
    }
}

/// `a / b`, or `n/a` when either is missing.
pub(crate) fn ratio(a: Option<Duration>, b: Option<Duration>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64()),
        _ => "n/a".to_owned(),
    }
}
