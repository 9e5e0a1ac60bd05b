//! Synthetic books (being written).
