//! `OpId`: the handle of one attempt of a client operation, as the world gives it to a
//! strategy in a `Request` and takes it back in a reply; slot, attempt and generation packed in
//! one word.
//!
//! Must not import anything.

/// Handle of one attempt of an in-flight client operation: the operation's slot (small and
/// reused, so strategies can keep side tables indexed by it), the attempt (0 = first, one
/// more per retry) and a generation that is unique over the whole run (the operation's
/// sequence number), so a late answer, timeout or retry of a finished operation can never be
/// taken for the operation that reused its slot, and an answer to an attempt its client gave
/// up on (timed out, or answered with a failure) is not taken for the current attempt's.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub u64);

/// Bits of an `OpId` that hold the slot; above them `OP_ATTEMPT_BITS` hold the attempt and
/// the other 37 bits the generation (2^37 operations: over a day at a million operations per
/// second, a hundred times any run's event budget).
pub const OP_SLOT_BITS: u32 = 20;

/// Bits of an `OpId` that hold the attempt (`clients.retries` is at most 100).
pub const OP_ATTEMPT_BITS: u32 = 7;

/// Largest generation an `OpId` holds.
pub const OP_GEN_MAX: u64 = (1 << (64 - OP_SLOT_BITS - OP_ATTEMPT_BITS)) - 1;

impl OpId {
    /// The id of the first attempt of slot `slot` (< 2^20) in generation `gen` (<=
    /// `OP_GEN_MAX`).
    #[inline]
    pub fn new(slot: u32, gen: u64) -> OpId {
        debug_assert!(slot < 1 << OP_SLOT_BITS);
        debug_assert!(gen <= OP_GEN_MAX);
        OpId((gen << (OP_SLOT_BITS + OP_ATTEMPT_BITS)) | slot as u64)
    }

    /// The slot index (dense, reused after the operation completes).
    #[inline]
    pub fn index(self) -> usize {
        (self.0 & ((1 << OP_SLOT_BITS) - 1)) as usize
    }

    /// The generation: the operation's sequence number in the run.
    #[inline]
    pub fn gen(self) -> u64 {
        self.0 >> (OP_SLOT_BITS + OP_ATTEMPT_BITS)
    }

    /// The attempt this id stands for (0 = first).
    #[inline]
    pub fn attempt(self) -> u32 {
        ((self.0 >> OP_SLOT_BITS) & ((1 << OP_ATTEMPT_BITS) - 1)) as u32
    }

    /// The id of attempt `attempt` (< 2^7) of the same operation.
    #[inline]
    pub fn with_attempt(self, attempt: u32) -> OpId {
        debug_assert!(attempt < 1 << OP_ATTEMPT_BITS);
        let mask = ((1u64 << OP_ATTEMPT_BITS) - 1) << OP_SLOT_BITS;
        OpId((self.0 & !mask) | (attempt as u64) << OP_SLOT_BITS)
    }
}
