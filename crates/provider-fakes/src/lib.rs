//! Stateful, strict local fakes of the provider HTTP APIs, for tests and benchmarks.
//!
//! Each fake listens on `127.0.0.1:0`, keeps tasks and balances like the real
//! service, validates requests the way the real one does, and records what it
//! received so tests can prove that nothing was sent (or charged) twice.

pub mod ark;
pub mod faults;
pub mod seed2;
pub mod seedance2ai;
pub mod support;
pub mod xskill;
