//! End-to-end journeys live in `journeys.rs`; this library is empty on purpose.
