//! The list value: a deque of elements.
//!
//! Redis 7.0 stores every list as a quicklist (OBJECT ENCODING reports "quicklist" for a
//! one-element list too), so there is no second encoding to mimic here; a `VecDeque` gives the
//! O(1) pushes and pops at both ends and O(1) indexing the list commands need.

use super::SmallBytes;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListValue {
    pub items: VecDeque<SmallBytes>,
}

impl ListValue {
    pub fn new() -> ListValue {
        ListValue::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Resolves a Redis index (negative counts from the tail) to a position, if in range.
    pub fn index(&self, i: i64) -> Option<usize> {
        let len = self.items.len() as i64;
        let i = if i < 0 { len + i } else { i };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// Heap bytes owned by the list, for memory estimates.
    pub fn heap_size(&self) -> usize {
        self.heap_size_sampled(0)
    }

    /// Heap bytes, with the elements' own heap extrapolated from the first `samples` of them
    /// when `samples` is non-zero (MEMORY USAGE … SAMPLES).
    pub fn heap_size_sampled(&self, samples: usize) -> usize {
        self.items.capacity() * std::mem::size_of::<SmallBytes>()
            + super::sampled_sum(
                self.items.iter().map(SmallBytes::heap_size),
                self.len(),
                samples,
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_handles_negative_and_out_of_range() {
        let mut l = ListValue::new();
        l.items.push_back(SmallBytes::new(b"a"));
        l.items.push_back(SmallBytes::new(b"b"));
        assert_eq!(l.index(0), Some(0));
        assert_eq!(l.index(-1), Some(1));
        assert_eq!(l.index(-3), None);
        assert_eq!(l.index(2), None);
    }
}
