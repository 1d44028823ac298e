//! The MCP face of the service: tool declarations, annotations and server info.
//!
//! Handlers are thin: parse the typed arguments, call [`Service`], return the
//! structured output or an `isError` result. Protocol misuse (unknown tool, wrong
//! method) is left to rmcp, which answers with JSON-RPC errors.

pub mod access;
pub mod args;
pub mod prompts;
pub mod roots;
pub mod schema;
pub mod transport;
pub mod xskill_compat;

use std::time::Duration;

use base64::Engine;

use self::args::Args;
use crate::service::resources::RESOURCE_TEMPLATE;

use rmcp::{
    Json, Peer, RoleServer, ServerHandler,
    handler::server::{
        router::{prompt::PromptRouter, tool::ToolRouter},
        wrapper::Parameters,
    },
    model::{
        ErrorData, Implementation, ListResourceTemplatesResult, ListResourcesResult,
        PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
        ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig,
    },
    prompt_handler,
    service::{NotificationContext, RequestContext},
    tool, tool_handler, tool_router,
};

use crate::service::{
    BalanceOutput, CancelTaskParams, GetTaskOutput, GetTaskParams, ListTasksOutput,
    ListTasksParams, ProgressSink, Service, SubmitTaskOutput, TaskSummary, ToolError,
    ToolErrorKind, UploadImageOutput, UploadImageParams, WaitProgress, Waiting,
    media::{self, LocalScope},
};

/// The MCP server: one [`Service`] plus the tool router and instructions built once.
#[derive(Debug, Clone)]
pub struct SeedanceServer {
    service: Service,
    instructions: String,
    tool_router: ToolRouter<Self>,
    prompt_router: PromptRouter<Self>,
    /// Whether the client shares this machine's disk (stdio) or not (HTTP).
    remote_clients: bool,
    /// This session's client roots (stdio).
    roots: std::sync::Arc<roots::ClientRoots>,
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
        let mut tool_router = Self::tool_router();
        for route in tool_router.map.values_mut() {
            let tool = &mut route.attr;
            let mut input = (*tool.input_schema).clone();
            schema::compact(&mut input, schema::Side::Input);
            tool.input_schema = std::sync::Arc::new(input);
            if let Some(output) = &tool.output_schema {
                let mut output = (**output).clone();
                schema::compact(&mut output, schema::Side::Output);
                tool.output_schema = Some(std::sync::Arc::new(output));
            }
        }
        Self {
            service,
            instructions,
            tool_router,
            prompt_router: Self::prompt_router(),
            remote_clients: false,
            roots: std::sync::Arc::default(),
        }
    }

    /// The same server for clients on other machines (HTTP): their roots are
    /// ignored and local files are read only inside `SEEDANCE_ALLOWED_DIRS`.
    pub fn for_remote_clients(mut self) -> Self {
        self.remote_clients = true;
        self
    }

    /// A copy for a new session, with roots of its own.
    pub fn for_new_session(&self) -> Self {
        let mut session = self.clone();
        session.roots = std::sync::Arc::default();
        session
    }

    /// Where this call may read local files. The client is asked for its roots only
    /// when the call names a local file.
    async fn scope(&self, peer: &Peer<RoleServer>, reads_files: bool) -> LocalScope {
        match (self.remote_clients, reads_files) {
            (true, _) => LocalScope::ServerOnly,
            (false, false) => LocalScope::ClientRoots(Vec::new()),
            (false, true) => LocalScope::ClientRoots(self.roots.current(peer).await),
        }
    }

    #[tool(
        description = "Start one paid Seedance 2.0 video (or Seedream image). Checked first: errors name \
                       the field and cost nothing; dry_run: true shows the cost. Returns task_id at once; \
                       then get_task with wait_seconds 45. Never call again to check a task: that pays twice. \
                       Takes xskill's {model_id, parameters} too.",
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
        Parameters(args): Parameters<xskill_compat::SubmitArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SubmitTaskOutput>, ToolError> {
        let params = args.parsed()?;
        let scope = self.scope(&context.peer, media::reads_files(&params)).await;
        self.service.submit_in(&params, &scope).await.map(Json)
    }

    #[tool(
        description = "A task's status; wait_seconds (up to 50) waits for it with progress. \
                       On success the files are saved (local_files; URLs expire in ~24 h); on failure \
                       `failure` says what to change. Call again until finished.",
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
        description = "Host an image (URL, path or base64) with the provider; use the returned URL in \
                       image_files, first_frame, last_frame or image_urls.",
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
        context: RequestContext<RoleServer>,
    ) -> Result<Json<UploadImageOutput>, ToolError> {
        let params = args.parsed()?;
        let local = params
            .image_url
            .as_deref()
            .is_some_and(media::is_local_path);
        let scope = self.scope(&context.peer, local).await;
        self.service
            .upload_image_in(&params, &scope)
            .await
            .map(Json)
    }

    #[tool(
        description = "This machine's tasks, newest first, with status, cost and saved files. Use it \
                       after a restart or to find a task_id.",
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
        description = "Cancel a still-queued task where the provider allows it (a running one is billed).",
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
        description = "The account balance and how prices are counted.",
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
    async fn report(&self, progress: &WaitProgress) {
        let note =
            ProgressNotificationParam::new(self.token.clone(), progress.waited.as_secs_f64())
                .with_total(progress.up_to.as_secs_f64())
                .with_message(progress.message());
        if let Err(e) = self.peer.notify_progress(note).await {
            tracing::debug!(error = %e, "progress notification not delivered");
        }
    }
}

const INSTRUCTIONS: &str = "Generate Seedance 2.0 videos and Seedream 4.5 images. Workflow: (1) get_balance; \
(2) plan a timed storyboard (`0-3s: ...` lines from 0 to the duration, 4-15 s; inputs as @image_file_N / \
@video_file_N / @audio_file_N), or use the `storyboard` prompt; (3) submit_task with dry_run: true and show \
the user the cost and warnings; (4) submit_task once; (5) get_task with wait_seconds 45, again until finished \
(video takes 1-10 min; never resubmit to check); (6) give the user local_files. Local files: pass their \
paths (inside the client's roots) in the media fields; they are checked by content. Longer stories: chain 15 s clips with return_last_frame, the last frame starting the next clip. The \
full workflow is the resource seedance://skill/SKILL.md.";

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for SeedanceServer {
    fn get_info(&self) -> ServerConfig {
        let instructions = self.instructions.clone();
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("Seedance MCP"),
        )
        .with_instructions(instructions)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        if !self.remote_clients {
            self.roots.refresh(&context.peer).await;
        }
    }

    async fn on_roots_list_changed(&self, context: NotificationContext<RoleServer>) {
        if !self.remote_clients {
            self.roots.changed(&context.peer).await;
        }
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
        let skill = crate::skill::FILES.iter().map(|file| {
            Resource::new(
                format!("{}{}", crate::skill::RESOURCE_PREFIX, file.path),
                format!("skill/{}", file.path),
            )
            .with_mime_type("text/markdown")
            .with_description(file.description)
            .with_size(file.text.len() as u64)
        });
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
            .chain(skill)
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
        if let Some(file) = crate::skill::by_uri(&request.uri) {
            let contents = ResourceContents::text(file.text, request.uri.clone())
                .with_mime_type("text/markdown");
            return Ok(ReadResourceResult::new(vec![contents]).into());
        }
        match self.service.read_saved_file(&request.uri).await {
            Ok((bytes, mime)) => {
                let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
                let contents =
                    ResourceContents::blob(blob, request.uri.clone()).with_mime_type(mime);
                Ok(ReadResourceResult::new(vec![contents]).into())
            }
            Err(e) if e.kind == ToolErrorKind::NotFound => Err(ErrorData::resource_not_found(
                e.message,
                Some(serde_json::json!({ "uri": request.uri })),
            )),
            Err(e) => Err(ErrorData::invalid_params(e.message, None)),
        }
    }
}
