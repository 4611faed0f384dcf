//! How plans and differences are shown: text for people, JSON for CI.

use serde::Serialize;

use crate::diff::Change;
use crate::lint::Finding;
use crate::plan::{Plan, Step, describe_change};

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub summary: String,
    pub hazards: Vec<HazardReport>,
    /// Hazards of running the step's down.
    pub down_hazards: Vec<HazardReport>,
    pub locks: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct HazardReport {
    pub kind: &'static str,
    pub message: String,
}

pub fn step_report(step: &Step) -> StepReport {
    let report = |hazards: &[crate::plan::Hazard]| {
        hazards
            .iter()
            .map(|h| HazardReport {
                kind: h.kind.name(),
                message: h.message.clone(),
            })
            .collect()
    };
    StepReport {
        summary: step.summary.clone(),
        hazards: report(&step.hazards),
        down_hazards: report(&step.down_hazards),
        locks: step.locks.iter().map(ToString::to_string).collect(),
    }
}

pub fn plan_report(plan: &Plan) -> Vec<StepReport> {
    plan.steps.iter().map(step_report).collect()
}

/// Each step on a line, its hazards and locks indented under it.
pub fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    for step in &plan.steps {
        out.push_str(&format!("  + {}\n", step.summary));
        for hazard in &step.hazards {
            out.push_str(&format!(
                "      hazard {}: {}\n",
                hazard.kind.name(),
                hazard.message
            ));
        }
        for lock in &step.locks {
            out.push_str(&format!("      lock: {lock}\n"));
        }
        for hazard in &step.down_hazards {
            out.push_str(&format!(
                "      down hazard {}: {}\n",
                hazard.kind.name(),
                hazard.message
            ));
        }
    }
    out
}

pub fn changes_text(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("  - {}\n", describe_change(c)))
        .collect()
}

/// Lint findings as a compiler prints diagnostics, then a count.
pub fn findings_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&format!("{finding}\n"));
    }
    if findings.is_empty() {
        out.push_str("ok: no findings\n");
    } else {
        out.push_str(&format!(
            "{} finding(s): fix them, or suppress one with `-- lint:allow <rule> <reason>` above its statement\n",
            findings.len()
        ));
    }
    out
}

/// A rehearsal: how the copy was made, each script's steps with their time and longest lock,
/// the failure if any.
pub fn rehearsal_text(
    rehearsal: &crate::rehearse::Rehearsal,
    pending: usize,
    elapsed: std::time::Duration,
) -> String {
    let mut out = String::new();
    let copy = &rehearsal.copy;
    match copy.method {
        "template" => out.push_str(&format!(
            "copy: every row (CREATE DATABASE ... TEMPLATE), {} ms\n",
            copy.millis
        )),
        _ => {
            out.push_str(&format!(
                "copy: {}{}, {} ms\n",
                copy.sample.as_deref().unwrap_or("a sample"),
                copy.reason
                    .as_deref()
                    .map(|r| format!(" (not whole: {r})"))
                    .unwrap_or_default(),
                copy.millis
            ));
            for table in &copy.tables {
                out.push_str(&format!("  {}: {} row(s)", table.table, table.rows));
                if table.left_out > 0 {
                    out.push_str(&format!(
                        ", {} left out (the rows they reference were not copied)",
                        table.left_out
                    ));
                }
                out.push('\n');
            }
            for note in &copy.not_copied {
                out.push_str(&format!("  not copied: {note}\n"));
            }
        }
    }
    for run in &rehearsal.runs {
        out.push_str(&format!(
            "{} {}  {} ms\n",
            run.direction, run.migration, run.millis
        ));
        for step in &run.steps {
            let lock = match &step.longest_lock {
                Some(lock) => format!("{} on {} held {} ms", lock.mode, lock.relation, lock.held_ms),
                None => "no lock on a table".to_owned(),
            };
            out.push_str(&format!("  {} ms  {}  [{lock}]\n", step.millis, step.statement));
        }
    }
    match &rehearsal.failure {
        Some(failure) => out.push_str(&format!(
            "✗ {}: {} failed at `{}`: {}; nothing ran after it, and the copy was dropped\n",
            failure.migration, failure.direction, failure.statement, failure.error
        )),
        None => out.push_str(&format!(
            "rehearsed {pending} pending migration(s) up and down on a copy in {:.1} s; the copy was dropped, the source only read\n",
            elapsed.as_secs_f64()
        )),
    }
    out
}

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("reports serialize")
}
