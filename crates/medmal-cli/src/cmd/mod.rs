pub mod check;
pub mod compare;
pub mod diff;
pub mod proposal;
pub mod quote;
pub mod review;
pub mod test;
