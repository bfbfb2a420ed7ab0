//! `git.release.*`: Bitbucket Cloud has no releases; both operations
//! answer `Unsupported` without a request.

use super::*;

pub(super) async fn create(_: &Bitbucket, _: CreateRelease) -> Result<Release> {
    Err(Error::unsupported("git.release.create"))
}

pub(super) async fn list(_: &Bitbucket, _: ListReleases) -> Result<Page<Release>> {
    Err(Error::unsupported("git.release.list"))
}
