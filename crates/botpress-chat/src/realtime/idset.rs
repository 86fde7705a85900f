//! A set of message ids for the listener's exactly-once bookkeeping.
//!
//! Open addressing with linear probing over FNV-1a hashes. The standard
//! `HashSet` would bring hashbrown and SipHash into the npm package (about
//! 4 KB before compression) for the listener's two sets. FNV resists no
//! chosen collisions: ids come from the API server, and a server crafting
//! them could only slow a listener down (the sets hold at most a few
//! thousand ids), never make it lose or repeat a message.

/// A set of strings.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
    /// A power of two long (or empty); at most half full.
    slots: Vec<Option<String>>,
    len: usize,
}

fn fnv1a(s: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h as usize
}

impl IdSet {
    /// The slot holding `id`, or the empty one where it would go.
    fn slot(&self, id: &str) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = fnv1a(id) & mask;
        while let Some(s) = &self.slots[i] {
            if s == id {
                break;
            }
            i = (i + 1) & mask;
        }
        i
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &str) -> bool {
        !self.slots.is_empty() && self.slots[self.slot(id)].is_some()
    }

    /// Adds `id`; whether it was not there yet.
    pub fn insert(&mut self, id: String) -> bool {
        if 2 * (self.len + 1) > self.slots.len() {
            let size = (2 * self.slots.len()).max(16);
            let old = std::mem::replace(&mut self.slots, vec![None; size]);
            for s in old.into_iter().flatten() {
                let i = self.slot(&s);
                self.slots[i] = Some(s);
            }
        }
        let i = self.slot(&id);
        if self.slots[i].is_some() {
            return false;
        }
        self.slots[i] = Some(id);
        self.len += 1;
        true
    }

    /// Removes `id`; whether it was there. The ids after it in its probe
    /// run move back, so lookups never stop at a hole they should pass.
    pub fn remove(&mut self, id: &str) -> bool {
        if !self.contains(id) {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut hole = self.slot(id);
        self.slots[hole] = None;
        self.len -= 1;
        let mut i = (hole + 1) & mask;
        while let Some(s) = self.slots[i].take() {
            let home = fnv1a(&s) & mask;
            // Moves back if its home is not in (hole, i], cyclically.
            if (i.wrapping_sub(home) & mask) >= (i.wrapping_sub(hole) & mask) {
                self.slots[hole] = Some(s);
                hole = i;
            } else {
                self.slots[i] = Some(s);
            }
            i = (i + 1) & mask;
        }
        true
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.len = 0;
    }
}

impl FromIterator<String> for IdSet {
    fn from_iter<I: IntoIterator<Item = String>>(ids: I) -> Self {
        let mut set = IdSet::default();
        for id in ids {
            set.insert(id);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8),
        Remove(u8),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![8 => any::<u8>().prop_map(Op::Insert), 6 => any::<u8>().prop_map(Op::Remove), 1 => Just(Op::Clear)]
    }

    proptest! {
        #[test]
        fn behaves_as_a_hash_set(ops in prop::collection::vec(op(), 0..400)) {
            let (mut ours, mut std) = (IdSet::default(), HashSet::new());
            for op in ops {
                match op {
                    Op::Insert(n) => prop_assert_eq!(ours.insert(format!("msg_{n}")), std.insert(format!("msg_{n}"))),
                    Op::Remove(n) => prop_assert_eq!(ours.remove(&format!("msg_{n}")), std.remove(&format!("msg_{n}"))),
                    Op::Clear => {
                        ours.clear();
                        std.clear();
                    }
                }
                prop_assert_eq!(ours.is_empty(), std.is_empty());
                for n in 0..=255u8 {
                    let id = format!("msg_{n}");
                    prop_assert_eq!(ours.contains(&id), std.contains(&id), "{}", id);
                }
            }
        }
    }
}
