//! The MCP face of the service: tool declarations, annotations and server info.
//!
//! Handlers are thin: parse the typed arguments, call [`Service`], return the
//! structured output or an `isError` result. Protocol misuse (unknown tool, wrong
//! method) is left to rmcp, which answers with JSON-RPC errors.

pub mod access;
pub mod args;
pub mod transport;

use std::time::Duration;

use base64::Engine;

use self::args::Args;
use crate::service::resources::RESOURCE_TEMPLATE;

use rmcp::{
    Json, Peer, RoleServer, ServerHandler,
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{
        ErrorData, Implementation, ListResourceTemplatesResult, ListResourcesResult,
        PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
        ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig,
    },
    service::RequestContext,
    tool, tool_handler, tool_router,
};

use crate::{
    request::SubmitTaskParams,
    service::{
        BalanceOutput, CancelTaskParams, GetTaskOutput, GetTaskParams, ListTasksOutput,
        ListTasksParams, ProgressSink, Service, SubmitTaskOutput, TaskSummary, ToolError,
        UploadImageOutput, UploadImageParams, Waiting,
    },
};

/// The MCP server: one [`Service`] plus the tool router and instructions built once.
#[derive(Debug, Clone)]
pub struct SeedanceServer {
    service: Service,
    instructions: String,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl SeedanceServer {
    /// A server over `service`; `notice` (the simulation warning) is added to the instructions.
    pub fn new(service: Service, notice: Option<String>) -> Self {
        let provider = service.provider_summary();
        let instructions = match notice {
            Some(notice) => format!("{notice}\n\n{INSTRUCTIONS}\n\n{provider}"),
            None => format!("{INSTRUCTIONS}\n\n{provider}"),
        };
        Self {
            service,
            instructions,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Start a paid Seedance 2.0 video (or Seedream 4.5 image) generation. Everything is \
                       validated first; errors name the field and cost nothing. Returns a task_id at once: \
                       then call get_task (first after ~60 s for video, ~30 s for images). Never call this \
                       again to check on a task; that pays twice.",
        annotations(
            title = "Submit generation task",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn submit_task(
        &self,
        Parameters(args): Parameters<Args<SubmitTaskParams>>,
    ) -> Result<Json<SubmitTaskOutput>, ToolError> {
        let params = args.parsed()?;
        self.service.submit(&params).await.map(Json)
    }

    #[tool(
        description = "Check a task started by submit_task. While queued/running, call again after \
                       poll_after_seconds. When succeeded, the results are saved to the output folder \
                       (local_files) because the URLs expire after ~24 h. When failed, `failure` says why \
                       and what to change.",
        annotations(
            title = "Get task status and results",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_task(
        &self,
        Parameters(args): Parameters<Args<GetTaskParams>>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<GetTaskOutput>, ToolError> {
        let params = args.parsed()?;
        let progress = context.meta.get_progress_token().map(|token| McpProgress {
            peer: context.peer.clone(),
            token,
        });
        let waiting = Waiting {
            up_to: Duration::from_secs(u64::from(params.wait_seconds.unwrap_or(0))),
            cancel: &context.ct,
            progress: progress.as_ref().map(|p| p as &dyn ProgressSink),
        };
        self.service
            .get_task_waiting(&params.task_id, waiting)
            .await
            .map(Json)
    }

    #[tool(
        description = "Host an image (public URL or base64 bytes) with the provider and get a URL to use in \
                       image_files, first_frame, last_frame or image_urls. Use it for the user's local images.",
        annotations(
            title = "Upload reference image",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn upload_image(
        &self,
        Parameters(args): Parameters<Args<UploadImageParams>>,
    ) -> Result<Json<UploadImageOutput>, ToolError> {
        let params = args.parsed()?;
        self.service.upload_image(&params).await.map(Json)
    }

    #[tool(
        description = "List tasks from this machine's journal, newest first: every submission with its \
                       status, cost, saved files and, for interrupted ones, what is known. Use it after a \
                       restart or to find a task id.",
        annotations(
            title = "List tasks",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_tasks(
        &self,
        Parameters(args): Parameters<Args<ListTasksParams>>,
    ) -> Result<Json<ListTasksOutput>, ToolError> {
        let params = args.parsed()?;
        self.service.list_tasks(&params).await.map(Json)
    }

    #[tool(
        description = "Cancel a task that is still queued (where the provider allows it; a running task \
                       cannot be stopped and will be billed).",
        annotations(
            title = "Cancel queued task",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn cancel_task(
        &self,
        Parameters(args): Parameters<Args<CancelTaskParams>>,
    ) -> Result<Json<TaskSummary>, ToolError> {
        let params = args.parsed()?;
        self.service.cancel_task(&params.task_id).await.map(Json)
    }

    #[tool(
        description = "Show the provider account balance and how prices are counted. Check it before a batch.",
        annotations(
            title = "Get account balance",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_balance(&self) -> Result<Json<BalanceOutput>, ToolError> {
        self.service.balance().await.map(Json)
    }
}

/// Progress notifications for the call that carried a progress token.
struct McpProgress {
    peer: Peer<RoleServer>,
    token: ProgressToken,
}

#[async_trait::async_trait]
impl ProgressSink for McpProgress {
    async fn report(&self, done: f64, total: f64, message: String) {
        let note = ProgressNotificationParam::new(self.token.clone(), done)
            .with_total(total)
            .with_message(message);
        if let Err(e) = self.peer.notify_progress(note).await {
            tracing::debug!(error = %e, "progress notification not delivered");
        }
    }
}

const INSTRUCTIONS: &str = "Generate Seedance 2.0 videos and Seedream 4.5 images. Workflow: (1) get_balance; \
(2) submit_task once per clip with a timed storyboard prompt (`0-3s: ...`), 4-15 s, refer to inputs as \
@image_file_N / @video_file_N / @audio_file_N; (3) get_task every 30-60 s until finished (video takes 1-10 \
min; never wait inside one call, never resubmit to check); (4) give the user local_files. Local images: \
upload_image with base64 image_data first. Longer stories: chain 15 s clips, using the last frame of one as \
first_frame of the next.";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for SeedanceServer {
    fn get_info(&self) -> ServerConfig {
        let instructions = self.instructions.clone();
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("Seedance MCP"),
        )
        .with_instructions(instructions)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let files = self
            .service
            .saved_files()
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let resources = files
            .into_iter()
            .map(|f| {
                let resource = Resource::new(f.uri, f.name)
                    .with_mime_type(f.mime)
                    .with_description(f.description);
                match f.size {
                    Some(size) => resource.with_size(size),
                    None => resource,
                }
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let template = ResourceTemplate::new(RESOURCE_TEMPLATE, "saved-result").with_description(
            "A saved video, image or last frame: local_id from list_tasks, n from 1",
        );
        Ok(ListResourceTemplatesResult::with_all_items(vec![template]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        match self.service.read_saved_file(&request.uri).await {
            Ok((bytes, mime)) => {
                let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
                let contents =
                    ResourceContents::blob(blob, request.uri.clone()).with_mime_type(mime);
                Ok(ReadResourceResult::new(vec![contents]).into())
            }
            Err(e) if e.kind == "not_found" => Err(ErrorData::resource_not_found(
                e.message,
                Some(serde_json::json!({ "uri": request.uri })),
            )),
            Err(e) => Err(ErrorData::invalid_params(e.message, None)),
        }
    }
}
