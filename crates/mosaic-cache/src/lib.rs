//! mosaic-cache.
