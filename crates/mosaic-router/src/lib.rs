//! mosaic-router.
