//! The re-exported mocks work for every family.

use mosaic_core::ai::{AiOp, AiProvider, ModelInfo, ModelRef};
use mosaic_core::cicd::{CiCdProvider, PipelineRef};
use mosaic_core::kb::{KnowledgeBaseProvider, SpaceRef};
use mosaic_core::project::{ProjectProvider, ProjectRef};
use mosaic_core::workflow::{WorkflowProvider, WorkflowRef};
use mosaic_core::{Capabilities, Error};
use mosaic_testing::mock::*;

#[tokio::test]
async fn every_family_has_a_mock() {
    let mut ai = MockAiProvider::new();
    ai.expect_capabilities()
        .returning(|| Capabilities::of([AiOp::GetModel]));
    ai.expect_get_model().returning(|r| {
        Ok(ModelInfo {
            id: r.id,
            ..Default::default()
        })
    });
    assert!(ai.capabilities().supports(AiOp::GetModel));
    assert_eq!(
        ai.get_model(ModelRef { id: "m".into() }).await.unwrap().id,
        "m"
    );

    let mut ci = MockCiCdProvider::new();
    ci.expect_get_pipeline()
        .times(1)
        .returning(|_| Err(Error::not_found("no such pipeline")));
    assert!(
        ci.get_pipeline(PipelineRef::new("p", "1"))
            .await
            .unwrap_err()
            .is_not_found()
    );

    let mut kb = MockKnowledgeBaseProvider::new();
    kb.expect_delete_space().returning(|_| Ok(()));
    kb.delete_space(SpaceRef { id: "1".into() }).await.unwrap();

    let mut wf = MockWorkflowProvider::new();
    wf.expect_delete_workflow().returning(|_| Ok(()));
    wf.delete_workflow(WorkflowRef { id: "1".into() })
        .await
        .unwrap();

    let mut pr = MockProjectProvider::new();
    pr.expect_get_project()
        .with(mockall::predicate::function(|r: &ProjectRef| r.id == "ENG"))
        .returning(|_| Err(Error::unavailable("down")));
    assert!(
        pr.get_project(ProjectRef { id: "ENG".into() })
            .await
            .unwrap_err()
            .is_retryable()
    );
}
