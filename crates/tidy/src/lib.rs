//! Repository checks, in the style of rust-analyzer's `tidy`: they live in
//! `tests/tidy.rs` and run with `cargo test`. This library is empty on purpose.
