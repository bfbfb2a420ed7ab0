//! mosaic-testing.
