//! Deep Health Check from the inside: patrol's own GET of each target's health page, read
//! for the dependency that failed.

pub mod report;
