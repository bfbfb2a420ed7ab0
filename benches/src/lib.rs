//! Criterion benchmarks for Mosaic live in this package's `benches/`.
