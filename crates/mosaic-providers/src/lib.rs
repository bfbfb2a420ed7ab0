//! mosaic-providers.
