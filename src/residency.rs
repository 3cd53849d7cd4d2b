//! Data residency: which regions each class of data may live in.
//!
//! Owns `DataClass`, `Residency` (the class of every key and each class's allowed regions as
//! a bit set) and `ResidencyMode` (what a strategy does about it). The world routes clients
//! of restricted data to allowed regions under `Enforce` and counts every copy of
//! restricted data that reaches a region outside its class (a violation); strategies that
//! enforce keep replication and caching inside the allowed regions.
//!
//! Must not import the engine, the world, strategies, metrics or scenario (serde) types.

use crate::topology::RegionId;
use crate::workload::Key;

/// What a strategy does about residency rules.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ResidencyMode {
    /// Behave as without rules; violations are counted.
    #[default]
    Ignore,
    /// Keep each class's data inside its allowed regions.
    Enforce,
}

/// A class of data and where it may live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataClass {
    /// Name from the scenario.
    pub name: String,
    /// Allowed regions as a bit set (bit r = region r).
    pub allowed: u64,
}

/// The residency rules of a scenario.
#[derive(Clone, Debug, Default)]
pub struct Residency {
    /// Classes in scenario order.
    pub classes: Vec<DataClass>,
    /// The class index of every key (`NO_CLASS` when unrestricted).
    pub class_of_key: Vec<u8>,
}

/// Marker for keys without a class.
pub const NO_CLASS: u8 = u8::MAX;

impl Residency {
    /// True when any key is restricted.
    pub fn is_active(&self) -> bool {
        !self.classes.is_empty()
    }

    /// The class of `key`, if any.
    #[inline]
    pub fn class(&self, key: Key) -> Option<usize> {
        match self.class_of_key.get(key as usize) {
            Some(&c) if c != NO_CLASS => Some(c as usize),
            _ => None,
        }
    }

    /// True when `key`'s data may be stored in `region`.
    #[inline]
    pub fn allowed(&self, key: Key, region: RegionId) -> bool {
        match self.class(key) {
            None => true,
            Some(c) => self.classes[c].allowed & (1u64 << region) != 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_follows_the_class_mask() {
        let r = Residency {
            classes: vec![DataClass {
                name: "eu".into(),
                allowed: 0b110,
            }],
            class_of_key: vec![NO_CLASS, 0, 0],
        };
        assert!(r.allowed(0, 0));
        assert!(!r.allowed(1, 0));
        assert!(r.allowed(1, 1) && r.allowed(2, 2));
        assert!(r.allowed(99, 0), "keys beyond the table are unrestricted");
        assert_eq!(r.class(1), Some(0));
    }
}
