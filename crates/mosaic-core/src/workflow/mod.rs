//! Workflow engines: [`WorkflowProvider`], its request/response enums and bridges.
//!
//! Each operation is one method of [`WorkflowProvider`] taking one parameters type
//! of this module; [`WorkflowClient`] offers the same methods over any tower stack,
//! and walks a whole listing (output [`Page`]) with
//! [`pages`](WorkflowClient::pages), [`all`](WorkflowClient::all) and
//! [`collect_all`](WorkflowClient::collect_all). The class says what middleware may
//! do with an operation (see [`meta`](crate::operation::meta)): `READ` is
//! cached, `LIVE` is a read that never is, `CREATE` is not safe to
//! repeat, `SET` is, and a `_BROAD` write invalidates every cached read of
//! the family.
//!
//! ## Operations
//!
//! | operation | method | params | output | access | class |
//! |---|---|---|---|---|---|
//! | `workflow.workflow.create` | [`create_workflow`](WorkflowProvider::create_workflow) | [`CreateWorkflow`] | [`Workflow`] | write | `CREATE` |
//! | `workflow.workflow.get` | [`get_workflow`](WorkflowProvider::get_workflow) | [`WorkflowRef`] | [`Workflow`] | read | `READ` |
//! | `workflow.workflow.update` | [`update_workflow`](WorkflowProvider::update_workflow) | [`UpdateWorkflow`] | [`Workflow`] | write | `SET` |
//! | `workflow.workflow.delete` | [`delete_workflow`](WorkflowProvider::delete_workflow) | [`WorkflowRef`] | `()` | write | `SET` |
//! | `workflow.workflow.list` | [`list_workflows`](WorkflowProvider::list_workflows) | [`ListWorkflows`] | [`Page`] of [`Workflow`] | read | `READ` |
//! | `workflow.workflow.activate` | [`activate_workflow`](WorkflowProvider::activate_workflow) | [`WorkflowRef`] | [`Workflow`] | write | `SET` |
//! | `workflow.workflow.deactivate` | [`deactivate_workflow`](WorkflowProvider::deactivate_workflow) | [`WorkflowRef`] | [`Workflow`] | write | `SET` |
//! | `workflow.execution.run` | [`run_workflow`](WorkflowProvider::run_workflow) | [`RunWorkflow`] | [`Execution`] | write | `CREATE_BROAD` |
//! | `workflow.execution.get` | [`get_execution`](WorkflowProvider::get_execution) | [`ExecutionRef`] | [`Execution`] | read | `LIVE` |
//! | `workflow.execution.stop` | [`stop_execution`](WorkflowProvider::stop_execution) | [`ExecutionRef`] | [`Execution`] | write | `SET_BROAD` |
//! | `workflow.execution.list` | [`list_executions`](WorkflowProvider::list_executions) | [`ListExecutions`] | [`Page`] of [`Execution`] | read | `LIVE` |
//! | `workflow.node_type.list` | [`list_node_types`](WorkflowProvider::list_node_types) | [`ListNodeTypes`] | [`Page`] of [`NodeType`] | read | `READ` |
//! | `workflow.workflow.validate` | [`validate_workflow`](WorkflowProvider::validate_workflow) | [`ValidateWorkflow`] | [`ValidationReport`] | read | `READ` |
//! | `workflow.execution.retry` | [`retry_execution`](WorkflowProvider::retry_execution) | [`ExecutionRef`] | [`Execution`] | write | `CREATE_BROAD` |
//! | `workflow.tag.list` | [`list_tags`](WorkflowProvider::list_tags) | [`ListTags`] | [`Page`] of [`Tag`] | read | `READ` |
//! | `workflow.tag.create` | [`create_tag`](WorkflowProvider::create_tag) | [`CreateTag`] | [`Tag`] | write | `CREATE` |
//! | `workflow.workflow_tags.get` | [`get_workflow_tags`](WorkflowProvider::get_workflow_tags) | [`WorkflowRef`] | [`WorkflowTags`] | read | `READ` |
//! | `workflow.workflow_tags.set` | [`set_workflow_tags`](WorkflowProvider::set_workflow_tags) | [`SetWorkflowTags`] | [`WorkflowTags`] | write | `SET` |

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

fn id(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

/// The workflow family's table of operations, handed to the macro `$cb`
/// (with any tokens in parentheses before it) to derive code from:
/// `define_family!` below, and the plugin handle's delegation in
/// `mosaic-plugin-sdk`. The rows are written once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! __workflow_family {
    ($cb:ident $(($($extra:tt)*))?) => {
        $cb! {
            $($($extra)*)?
            /// A workflow engine: workflows, executions, tags, node types and
            /// validation.
            family Workflow {
                provider: WorkflowProvider,
                request: WorkflowRequest,
                response: WorkflowResponse,
                kind: WorkflowOp,
                service: WorkflowService,
                client: WorkflowClient,
            }

            /// Create a workflow.
            CreateWorkflow => fn create_workflow(CreateWorkflow) -> Workflow;
                "workflow.workflow.create", CREATE, |p| Some(Cow::Borrowed(&p.name));
            /// Fetch a workflow.
            GetWorkflow => fn get_workflow(WorkflowRef) -> Workflow;
                "workflow.workflow.get", READ, |p| id(&p.id);
            /// Change a workflow.
            UpdateWorkflow => fn update_workflow(UpdateWorkflow) -> Workflow;
                "workflow.workflow.update", SET, |p| id(&p.id);
            /// Delete a workflow.
            DeleteWorkflow => fn delete_workflow(WorkflowRef) -> ();
                "workflow.workflow.delete", SET, |p| id(&p.id);
            /// List workflows.
            ListWorkflows => fn list_workflows(ListWorkflows) -> Page<Workflow>;
                "workflow.workflow.list", READ, |_| None;
            /// Turn a workflow's triggers on.
            ActivateWorkflow => fn activate_workflow(WorkflowRef) -> Workflow;
                "workflow.workflow.activate", SET, |p| id(&p.id);
            /// Turn a workflow's triggers off.
            DeactivateWorkflow => fn deactivate_workflow(WorkflowRef) -> Workflow;
                "workflow.workflow.deactivate", SET, |p| id(&p.id);

            /// Run a workflow.
            RunWorkflow => fn run_workflow(RunWorkflow) -> Execution;
                "workflow.execution.run", CREATE_BROAD, |p| id(&p.id);
            /// Fetch an execution.
            GetExecution => fn get_execution(ExecutionRef) -> Execution;
                "workflow.execution.get", LIVE, |p| id(&p.id);
            /// Stop an execution.
            StopExecution => fn stop_execution(ExecutionRef) -> Execution;
                "workflow.execution.stop", SET_BROAD, |p| id(&p.id);
            /// List executions.
            ListExecutions => fn list_executions(ListExecutions) -> Page<Execution>;
                "workflow.execution.list", LIVE, |p| p.workflow_id.as_deref().map(Cow::Borrowed);

            /// List the node types the engine offers.
            ListNodeTypes => fn list_node_types(ListNodeTypes) -> Page<NodeType>;
                "workflow.node_type.list", READ, |_| None;
            /// Check a workflow graph.
            ValidateWorkflow => fn validate_workflow(ValidateWorkflow) -> ValidationReport;
                "workflow.workflow.validate", READ, |_| None;

            /// Run a failed execution again, with the same input; returns the new
            /// execution. An execution that succeeded or has not finished is
            /// `Conflict`.
            RetryExecution => fn retry_execution(ExecutionRef) -> Execution;
                "workflow.execution.retry", CREATE_BROAD, |p| id(&p.id);

            /// List the tags workflows can carry.
            ListTags => fn list_tags(ListTags) -> Page<Tag>;
                "workflow.tag.list", READ, |_| None;
            /// Create a tag.
            CreateTag => fn create_tag(CreateTag) -> Tag;
                "workflow.tag.create", CREATE, |p| Some(Cow::Borrowed(&p.name));
            /// The tags a workflow carries.
            GetWorkflowTags => fn get_workflow_tags(WorkflowRef) -> WorkflowTags;
                "workflow.workflow_tags.get", READ, |p| id(&p.id);
            /// Replace the tags a workflow carries (by name); returns them.
            SetWorkflowTags => fn set_workflow_tags(SetWorkflowTags) -> WorkflowTags;
                "workflow.workflow_tags.set", SET, |p| id(&p.id);
        }
    };
}

__workflow_family!(define_family);
