//! Runnable Mosaic host programs live in this package's examples.
