//! Sequences, matched by name. A sequence's owner is a change of its own, split in two when it
//! moves: released (`OWNED BY NONE`) before anything is dropped, so the sequence does not go with
//! a dropped column, and owned again after every table and column exists.

use schema_core::model::{Schema, Sequence};

use super::Change;

/// The sequence without its owner: what `CREATE SEQUENCE` and `ALTER SEQUENCE` are about.
pub(crate) fn unowned(sequence: &Sequence) -> Sequence {
    Sequence {
        owned_by: None,
        ..sequence.clone()
    }
}

pub(crate) fn diff_sequences(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    for old in &from.sequences {
        if to.sequence(&old.name).is_none() {
            if old.owned_by.is_some() {
                changes.push(Change::SetSequenceOwner {
                    sequence: old.name.clone(),
                    from: old.owned_by.clone(),
                    to: None,
                });
            }
            changes.push(Change::DropSequence(unowned(old)));
        }
    }
    for new in &to.sequences {
        let Some(old) = from.sequence(&new.name) else {
            changes.push(Change::CreateSequence(unowned(new)));
            if new.owned_by.is_some() {
                changes.push(Change::SetSequenceOwner {
                    sequence: new.name.clone(),
                    from: None,
                    to: new.owned_by.clone(),
                });
            }
            continue;
        };
        if unowned(old) != unowned(new) {
            changes.push(Change::AlterSequence {
                from: unowned(old),
                to: unowned(new),
            });
        }
        if old.owned_by != new.owned_by {
            if old.owned_by.is_some() {
                changes.push(Change::SetSequenceOwner {
                    sequence: new.name.clone(),
                    from: old.owned_by.clone(),
                    to: None,
                });
            }
            if new.owned_by.is_some() {
                changes.push(Change::SetSequenceOwner {
                    sequence: new.name.clone(),
                    from: None,
                    to: new.owned_by.clone(),
                });
            }
        }
    }
}
