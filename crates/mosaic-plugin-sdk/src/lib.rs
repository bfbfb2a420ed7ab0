//! mosaic-plugin-sdk.
