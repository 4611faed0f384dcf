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

/// Index advice: the recommendations with the attribute to add and what each does for the
/// statements it serves, the statements left as they are and why, then over-indexing.
pub fn advice_text(advice: &crate::advise::Advice) -> String {
    use crate::advise::prove::Method;
    let mut out = String::new();
    match (&advice.method, &advice.fallback) {
        (Method::Hypothetical, _) => out.push_str("proof: HypoPG hypothetical indexes on the database (nothing written)\n"),
        (Method::RealOnCopy, why) => out.push_str(&format!(
            "proof: real indexes in rolled-back transactions on a throwaway copy, as HypoPG is not used: {}\n",
            why.as_deref().unwrap_or("not available")
        )),
    }
    let planned = advice.workload.iter().filter(|q| q.before.is_some()).count();
    out.push_str(&format!(
        "workload: {} statement(s), {} planned; {} candidate(s) tried\n",
        advice.workload.len(),
        planned,
        advice.candidates_tried
    ));
    if advice.recommendations.is_empty() {
        out.push_str("\nno index to add: every statement is served, or no candidate lowers its cost\n");
    }
    for (rank, r) in advice.recommendations.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {} on {}{}  (benefit {:.0} = cost saved x calls)\n",
            rank + 1,
            r.name,
            r.table,
            r.rust_struct
                .as_ref()
                .map(|s| format!(" (struct {s})"))
                .unwrap_or_default(),
            r.benefit
        ));
        out.push_str(&format!("   add:  {}\n", r.attribute));
        // One statement a line (the build, then the comment), aligned.
        out.push_str(&format!("   sql:  {}\n", r.sql.replace('\n', "\n         ")));
        for gain in &r.gains {
            let query = &advice.workload[gain.query];
            out.push_str(&format!(
                "   q{}: cost {:.1} -> {:.1}, {} -> {}, {} call(s): {}\n",
                gain.query + 1,
                gain.cost_before,
                gain.cost_after,
                gain.scan_before,
                gain.scan_after,
                query.calls,
                one_line(&query.sql, 100)
            ));
        }
        out.push_str(&format!("   writes: {}\n", r.write_cost));
    }
    let left: Vec<String> = advice
        .workload
        .iter()
        .enumerate()
        .filter(|(_, q)| q.served_by.is_empty())
        .map(|(i, q)| {
            let why = match (&q.note, q.uses_existing.is_empty()) {
                (Some(note), _) => note.clone(),
                (None, false) => format!("served by {}", q.uses_existing.join(", ")),
                (None, true) => {
                    "no candidate lowers its cost (a small table, or nothing selective)".to_owned()
                }
            };
            format!("   q{}: {why}: {}\n", i + 1, one_line(&q.sql, 100))
        })
        .collect();
    if !left.is_empty() {
        out.push_str("\nleft as they are:\n");
        out.extend(left);
    }
    if !advice.over_indexing.is_empty() {
        out.push_str("\nover-indexing:\n");
        for f in &advice.over_indexing {
            out.push_str(&format!("   {} {}.{}: {}\n", f.kind, f.table, f.object, f.detail));
        }
    }
    out.push_str(&stats_window_text(&advice.stats));
    if let Some(verification) = &advice.verification {
        out.push_str(&verification_text(verification, advice));
    }
    out
}

/// Since when the statistics count, for the unused-index report.
fn stats_window_text(window: &crate::advise::stats::StatsWindow) -> String {
    format!("\n{}\n", window.describe())
}

/// `--verify`: the migration as it ran on the copy, then each statement before and after.
fn verification_text(v: &crate::advise::verify::Verification, advice: &crate::advise::Advice) -> String {
    let mut out = String::from("\nverified on a throwaway copy");
    match v.copy.method {
        "template" => out.push_str(" (a template copy: every row)"),
        _ => out.push_str(&format!(
            " ({}{})",
            v.copy.sample.as_deref().unwrap_or("a sample"),
            v.copy
                .reason
                .as_ref()
                .map(|r| format!(", as {r}"))
                .unwrap_or_default()
        )),
    }
    out.push_str(", the workload run only there, each statement in a transaction rolled back:\n");
    if let Some(run) = &v.run {
        out.push_str(&format!("   migration up in {} ms:\n", run.millis));
        for step in &run.steps {
            out.push_str(&format!(
                "      {} ms  {}\n",
                step.millis,
                one_line(&step.statement, 110)
            ));
        }
    }
    if let Some(failure) = &v.failure {
        out.push_str(&format!(
            "   ✗ the migration failed at `{}`: {}; nothing measured after it\n",
            failure.statement, failure.error
        ));
    }
    for q in &v.queries {
        let query = &advice.workload[q.query];
        let (Some(before), after) = (&q.before, &q.after) else {
            if let Some(note) = &q.note
                && query.before.is_some()
            {
                out.push_str(&format!("   q{}: {note}\n", q.query + 1));
            }
            continue;
        };
        let figures = |m: &crate::advise::verify::Measured| {
            format!(
                "{:.3} ms, {} row(s), buffers hit {} read {}",
                m.execution_ms, m.rows, m.shared_hit, m.shared_read
            )
        };
        out.push_str(&format!("   q{}: {}\n", q.query + 1, one_line(&query.sql, 100)));
        if !q.parameters.is_empty() {
            out.push_str(&format!("      parameters: {}\n", q.parameters.join("; ")));
        }
        out.push_str(&format!("      before: {}\n", figures(before)));
        match after {
            Some(after) => {
                out.push_str(&format!("      after:  {}\n", figures(after)));
                if q.changed.is_empty() {
                    out.push_str("      plan unchanged\n");
                }
                for change in &q.changed {
                    out.push_str(&format!("      plan: {change}\n"));
                }
            }
            None => {
                if let Some(note) = &q.note {
                    out.push_str(&format!("      {note}\n"));
                }
            }
        }
    }
    out
}

fn one_line(sql: &str, max: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}...", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}
