//! A cache hint: start loading a value the run will read soon.
//!
//! Owns `prefetch`, the one place geosim asks the processor to fetch a cache line ahead of
//! use (the per-key state a request will read when it reaches its region, drawn or sent an
//! event or more earlier). A hint changes no value and no result: on a processor without the
//! instruction it does nothing.
//!
//! Must not import any other geosim module.

/// Asks the processor to bring the cache line holding `value` closer (into L1), without
/// waiting for it.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch reads no memory into the program and cannot fault, whatever the
        // address (here a valid reference); SSE, which provides it, is part of x86_64.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
