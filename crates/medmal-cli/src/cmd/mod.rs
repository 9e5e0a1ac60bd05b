pub mod check;
pub mod diff;
pub mod quote;
pub mod test;
