//! The provider-trait implementations of [`PluginHandle`], one per family,
//! generated from each family's table of operations in `mosaic-core`.

use futures::StreamExt as _;
use mosaic_core::ai::AiProvider;
use mosaic_core::{Capabilities, Family, Page, Result, ai};

use super::PluginHandle;

/// Implements a family's provider trait for [`PluginHandle`] from the
/// family's own table of operations (`mosaic_core::__<family>_family!`, the
/// rows `define_family!` reads): each method counts the call on the current
/// instance and forwards it to the instance's `$field` provider. Nothing
/// here lists operations, so an operation added to a family is delegated
/// without a change here. `chat_stream` keeps its call counted until the
/// stream is dropped (see [`PluginHandle::chat_stream_through`]).
macro_rules! delegate {
    (
        $field:ident, $family:expr;
        $(#[$fam_doc:meta])*
        family $fam:ident {
            provider: $Trait:ident,
            request: $Req:ident,
            response: $Resp:ident,
            kind: $Kind:ident,
            service: $Svc:ident,
            client: $Client:ident
            $(, served: $served:path)? $(,)?
        }
        $(
            $(#[doc = $doc:literal])*
            $Variant:ident => fn $method:ident($Params:ident) -> $Out:tt $(<$G:ident>)?;
                $opname:literal, $class:ident, |$p:pat_param| $subject:expr;
        )+
    ) => {
        delegate!(@rows $Trait, $field, $Kind, $family; [];
            $( $method($Params) -> ($Out $(<$G>)?); )+
        );
    };
    (@rows $Trait:ident, $field:ident, $Kind:ident, $family:expr; [$($done:tt)*];
        chat_stream($Params:ident) -> ($($Out:tt)+); $($rest:tt)*
    ) => {
        delegate!(@rows $Trait, $field, $Kind, $family; [$($done)*
            async fn chat_stream(&self, params: $Params) -> Result<$($Out)+> {
                self.chat_stream_through(params).await
            }
        ]; $($rest)*);
    };
    (@rows $Trait:ident, $field:ident, $Kind:ident, $family:expr; [$($done:tt)*];
        $method:ident($Params:ident) -> ($($Out:tt)+); $($rest:tt)*
    ) => {
        delegate!(@rows $Trait, $field, $Kind, $family; [$($done)*
            async fn $method(&self, params: $Params) -> Result<$($Out)+> {
                let guard = self.acquire()?;
                let instance = &*guard.0;
                let Some(provider) = instance.services.$field.as_ref() else {
                    return Err(self.not_served($family));
                };
                self.finish(instance, stringify!($method), provider.$method(params)).await
            }
        ]; $($rest)*);
    };
    (@rows $Trait:ident, $field:ident, $Kind:ident, $family:expr; [$($done:tt)*];) => {
        #[async_trait::async_trait]
        impl $Trait for PluginHandle {
            fn capabilities(&self) -> Capabilities {
                match self.slot.current().and_then(|i| i.services.$field.clone()) {
                    Some(p) => p.capabilities(),
                    None => Capabilities::none::<$Kind>(),
                }
            }
            $($done)*
        }
    };
}

impl PluginHandle {
    /// `chat_stream`: the call stays counted on its instance until the
    /// stream is dropped, and a panic while polling it becomes an error item.
    async fn chat_stream_through(&self, params: ai::ChatRequest) -> Result<ai::ChatStream> {
        let guard = self.acquire()?;
        let instance = guard.0.clone();
        let Some(provider) = instance.services.ai.as_ref() else {
            return Err(self.not_served(Family::Ai));
        };
        let stream = self
            .finish(&instance, "chat_stream", provider.chat_stream(params))
            .await?;
        let handle = self.clone();
        let guarded = std::panic::AssertUnwindSafe(stream)
            .catch_unwind()
            .map(move |item| {
                let _in_flight = &guard;
                match item {
                    Ok(chunk) => chunk,
                    Err(panic) => Err(handle.panicked("chat_stream", panic.as_ref())),
                }
            });
        Ok(ai::ChatStream::new(guarded))
    }
}

mod git_family {
    use super::{Capabilities, Family, Page, PluginHandle, Result};
    use mosaic_core::git::*;
    mosaic_core::__git_family!(delegate(git, Family::Git;));
}

mod cicd_family {
    use super::{Capabilities, Family, Page, PluginHandle, Result};
    use mosaic_core::cicd::*;
    mosaic_core::__cicd_family!(delegate(cicd, Family::CiCd;));
}

mod ai_family {
    use super::{Capabilities, Family, Page, PluginHandle, Result};
    use mosaic_core::ai::*;
    mosaic_core::__ai_family!(delegate(ai, Family::Ai;));
}

mod kb_family {
    use super::{Capabilities, Family, Page, PluginHandle, Result};
    use mosaic_core::kb::*;
    mosaic_core::__kb_family!(delegate(kb, Family::KnowledgeBase;));
}

mod workflow_family {
    use super::{Capabilities, Family, Page, PluginHandle, Result};
    use mosaic_core::workflow::*;
    mosaic_core::__workflow_family!(delegate(workflow, Family::Workflow;));
}

mod project_family {
    use super::{Capabilities, Family, Page, PluginHandle, Result};
    use mosaic_core::project::*;
    mosaic_core::__project_family!(delegate(project, Family::Project;));
}
