//! The pure core of medmal: the rate-manual model, the practice model, the rating engine with
//! its worksheets, and the comparison of manual versions.
//!
//! **Invariant:** nothing in this crate does I/O, reads a clock, spawns, or touches a binary
//! float on the money path. Every function is a deterministic function of its arguments, so
//! the same practice and manual always give the same premium, to the cent.
#![deny(clippy::float_arithmetic)]

pub mod book;
pub mod calendar;
pub mod compare;
pub mod diff;
pub mod limits;
pub mod manual;
pub mod money;
pub mod practice;
pub mod projection;
pub mod rate;
pub mod review;
pub mod versions;
pub mod worksheet;

pub use manual::Manual;
pub use practice::Practice;
pub use rate::{CarrierInForce, RateError, carriers_in_force, rate, select_version};
pub use worksheet::{Line, Quote};
