//! The MCP face of the service: tool declarations, annotations and server info.
//!
//! Handlers are thin: parse the typed arguments, call [`Service`], return the
//! structured output or an `isError` result. Protocol misuse (unknown tool, wrong
//! method) is left to rmcp, which answers with JSON-RPC errors.

pub mod access;
pub mod args;
pub mod elicit;
pub mod files;
mod log;
pub mod prompts;
pub mod roots;
pub mod schema;
pub mod skills;
pub mod tasks;
pub mod transport;
mod with_image;
pub mod xskill_compat;

use std::time::Duration;

use base64::Engine;

use self::{args::Args, elicit::ElicitApproval, with_image::WithImage};
use crate::service::resources::RESOURCE_TEMPLATE;

use rmcp::{
    Json, Peer, RoleServer, ServerHandler,
    handler::server::{
        router::{prompt::PromptRouter, tool::ToolRouter},
        tool::{self, IntoCallToolResult, ToolCallContext},
        wrapper::Parameters,
    },
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, CompletionInfo, ContentBlock, DiscoverResult, ErrorData,
        GetSkillRequestParams, GetSkillResult, GetTaskResult, Icon, Implementation,
        InitializeRequestParams, InitializeResult, InputRequiredResult,
        ListResourceTemplatesResult, ListResourcesResult, ListSkillsResult, PaginatedRequestParams,
        ProgressNotificationParam, ProgressToken, ProtocolVersion, ReadResourceRequestParams,
        ReadResourceResponse, ReadResourceResult, Reference, Resource, ResourceContents,
        ResourceTemplate, ServerCapabilities, ServerConfig, TASKS_EXTENSION_ID,
    },
    prompt_handler,
    service::{NotificationContext, RequestContext},
    tool, tool_handler, tool_router,
};

use crate::service::{
    BalanceOutput, CancelTaskParams, GetTaskOutput, GetTaskParams, ListTasksOutput,
    ListTasksParams, ProgressSink, Service, SubmitTaskOutput, TaskSummary, ToolError,
    ToolErrorKind, UploadImageOutput, UploadImageParams, WaitProgress, Waiting,
    clips::{self, ExtractFrameOutput, ExtractFrameParams, StitchVideosOutput, StitchVideosParams},
    media::{self, LocalScope},
    story::{self, SubmitStoryOutput, SubmitStoryParams},
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
    /// Where HTTP clients reach this server (`SEEDANCE_HTTP_PUBLIC_URL`), for
    /// download links; else the Host each request came to.
    public_url: Option<String>,
    /// This session's client roots (stdio).
    roots: std::sync::Arc<roots::ClientRoots>,
    /// The log level this session's client asked for, if it did.
    log: log::ClientLog,
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
            public_url: None,
            roots: std::sync::Arc::default(),
            log: log::ClientLog::default(),
        }
    }

    /// The service, for the HTTP server's download route.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The task journal, for the HTTP gate's user tokens.
    pub fn journal(&self) -> &crate::journal::Journal {
        self.service.journal()
    }

    /// The service as this request's caller may use it: a team server's user
    /// (named by the HTTP gate, see `access::AuthenticatedUser`) gets their own
    /// tasks, limits and folder; everyone else (stdio, the shared token) the whole.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Service {
        let parts = context.extensions.get::<axum::http::request::Parts>();
        let user = parts.and_then(|parts| parts.extensions.get::<access::AuthenticatedUser>());
        let service = match user {
            Some(user) => self.service.for_user(Some(&user.0)),
            None => self.service.clone(),
        };
        if !self.remote_clients {
            return service;
        }
        // The gate has checked the Host against the allowed ones, so a link
        // built on it leads back here.
        let base = self.public_url.clone().or_else(|| {
            let host = parts?
                .headers
                .get(axum::http::header::HOST)?
                .to_str()
                .ok()?;
            Some(format!("http://{host}"))
        });
        service.with_download_base(base)
    }

    /// The same server for clients on other machines (HTTP): their roots are
    /// ignored and local files are read only inside `SEEDANCE_ALLOWED_DIRS`.
    pub fn for_remote_clients(mut self, public_url: Option<String>) -> Self {
        self.remote_clients = true;
        self.public_url = public_url;
        self
    }

    /// A copy for a new session, with roots of its own.
    pub fn for_new_session(&self) -> Self {
        let mut session = self.clone();
        session.roots = std::sync::Arc::default();
        session.log = log::ClientLog::default();
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
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<SubmitTaskOutput>()
    )]
    async fn submit_task(
        &self,
        Parameters(args): Parameters<xskill_compat::SubmitArgs>,
        tool::InputResponses(replies): tool::InputResponses,
        tool::RequestState(state): tool::RequestState,
        context: RequestContext<RoleServer>,
    ) -> Result<Submitted, ToolError> {
        let params = args.parsed()?;
        let scope = self.scope(&context.peer, media::reads_files(&params)).await;
        let capabilities = context.client_capabilities();
        // 2026-07-28 forbids requests to the client during a call: the question
        // goes back with the answer instead (a round trip).
        let round_trips = context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        let person = ElicitApproval::for_client(&context.peer, capabilities.as_ref());
        let round_trip =
            (person.is_some() && round_trips).then(|| elicit::RoundTrip::new(replies, state));
        let approval: Option<&dyn crate::service::spend::SpendApproval> = match &round_trip {
            Some(round_trip) => Some(round_trip),
            None => person.as_ref().map(|p| p as _),
        };
        let submitted = self
            .caller(&context)
            .submit_approved(&params, &scope, approval)
            .await;
        if let Some(question) = round_trip.as_ref().and_then(elicit::RoundTrip::question) {
            return Ok(Submitted::AskFirst(question));
        }
        let output = submitted?;
        if let Some(task_id) = &output.task_id {
            self.log
                .info(
                    &context.peer,
                    format!("task {task_id} submitted to {}", output.provider),
                )
                .await;
        }
        Ok(Submitted::Done(Box::new(output)))
    }

    #[tool(
        description = "A video over 15 s: 2-12 clips made in turn, each from the previous clip's last \
                       frame, joined into one file; shared model/ratio/resolution/generate_audio/seed. One \
                       paid job; dry_run: true prices it all. Then get_task on story_id (wait_seconds 45).",
        annotations(
            title = "Submit multi-clip story",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn submit_story(
        &self,
        Parameters(args): Parameters<Args<SubmitStoryParams>>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SubmitStoryOutput>, ToolError> {
        let params = args.parsed()?;
        let scope = self.scope(&context.peer, story::reads_files(&params)).await;
        self.caller(&context)
            .submit_story_in(&params, &scope)
            .await
            .map(Json)
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
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<GetTaskOutput>()
    )]
    async fn get_task(
        &self,
        Parameters(args): Parameters<Args<GetTaskParams>>,
        context: RequestContext<RoleServer>,
    ) -> Result<Linked, ToolError> {
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
        let service = self.caller(&context);
        let output = service.get_task_waiting(&params.task_id, waiting).await?;
        if output.finished {
            self.log
                .info(
                    &context.peer,
                    format!(
                        "task {} {} ({} file(s) saved)",
                        output.task_id,
                        output.status.as_str(),
                        output.local_files.len()
                    ),
                )
                .await;
        }
        Ok(Linked(task_result(&service, output).await?))
    }

    #[tool(
        description = "One frame of a finished video saved as a PNG, shown to you; usable as \
                       first_frame of the next clip.",
        annotations(
            title = "Extract a frame",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ExtractFrameOutput>()
    )]
    async fn extract_frame(
        &self,
        Parameters(args): Parameters<Args<ExtractFrameParams>>,
        context: RequestContext<RoleServer>,
    ) -> Result<WithImage<ExtractFrameOutput>, ToolError> {
        let params = args.parsed()?;
        let local = clips::looks_like_path(&params.source);
        let scope = self.scope(&context.peer, local).await;
        let service = self.caller(&context);
        let output = service.extract_frame_in(&params, &scope).await?;
        let thumbnail = service.thumbnail_png(&output.path).await;
        Ok(WithImage::new(output, thumbnail))
    }

    #[tool(
        description = "Join finished videos, in order, into one MP4 (lossless when they match).",
        annotations(
            title = "Stitch videos",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn stitch_videos(
        &self,
        Parameters(args): Parameters<Args<StitchVideosParams>>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<StitchVideosOutput>, ToolError> {
        let params = args.parsed()?;
        let local = params.inputs.iter().any(|i| clips::looks_like_path(i));
        let scope = self.scope(&context.peer, local).await;
        self.caller(&context)
            .stitch_videos_in(&params, &scope)
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
        self.caller(&context)
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
        context: RequestContext<RoleServer>,
    ) -> Result<Json<ListTasksOutput>, ToolError> {
        let params = args.parsed()?;
        self.caller(&context).list_tasks(&params).await.map(Json)
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
        context: RequestContext<RoleServer>,
    ) -> Result<Json<TaskSummary>, ToolError> {
        let params = args.parsed()?;
        self.caller(&context)
            .cancel_task(&params.task_id)
            .await
            .map(Json)
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

/// submit_task's answer: the submission, or (2026-07-28 clients that can show
/// forms) the spend question to put to the person before calling again.
pub enum Submitted {
    /// Submitted, or a dry run.
    Done(Box<SubmitTaskOutput>),
    /// Ask first; nothing was sent.
    AskFirst(InputRequiredResult),
}

impl IntoCallToolResult for Submitted {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        match self {
            Self::Done(output) => Json(*output).into_call_tool_result(),
            Self::AskFirst(question) => Ok(question.into()),
        }
    }
}

/// get_task's answer: the structured output, and one `resource_link` per saved
/// file so clients that cannot open local paths can fetch them.
pub struct Linked(CallToolResult);

impl IntoCallToolResult for Linked {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        Ok(self.0.into())
    }
}

/// get_task's result for `output`: what `tasks/get` hands over as a task's final
/// result too. A finished video is shown as a strip of frames beside the answer,
/// and every saved file is linked.
pub(crate) async fn task_result(
    service: &Service,
    output: GetTaskOutput,
) -> Result<CallToolResult, ToolError> {
    let video = output
        .local_files
        .iter()
        .find(|f| f.extension().is_some_and(|x| x.eq_ignore_ascii_case("mp4")));
    let preview = match video {
        Some(video) => service.preview_png(video).await,
        None => None,
    };
    let mut output = output;
    if let Some(base) = service.download_base() {
        with_downloads(&mut output, base);
    }
    let links = crate::service::resources::of_output(&output);
    let value = serde_json::to_value(output).map_err(|e| ToolError {
        kind: ToolErrorKind::InternalError,
        message: format!("the result could not be encoded: {e}"),
    })?;
    let mut result = CallToolResult::structured(value);
    if let Some(png) = preview {
        let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png);
        result.content.push(ContentBlock::image(data, "image/png"));
    }
    result.content.extend(links.into_iter().map(|file| {
        let resource = Resource::new(file.uri, file.name)
            .with_mime_type(file.mime)
            .with_description(file.description);
        ContentBlock::resource_link(match file.size {
            Some(size) => resource.with_size(size),
            None => resource,
        })
    }));
    Ok(result)
}

/// Adds where each saved file downloads from `base`, and says so in the next
/// step instead of naming paths a client on another machine cannot open.
fn with_downloads(output: &mut GetTaskOutput, base: &str) {
    use crate::service::resources::{download_path, parse_uri};
    output.download_urls = output
        .resource_uris
        .iter()
        .filter_map(|uri| parse_uri(uri))
        .map(|(local_id, n)| format!("{base}{}", download_path(local_id, n)))
        .collect();
    if output.status == crate::domain::TaskStatus::Succeeded && !output.download_urls.is_empty() {
        output.next_step = format!(
            "Done. The files are kept on the server: download them from {} with the same bearer \
             token as this connection, or read the resources {}. Give the user the download \
             link.",
            output.download_urls.join(", "),
            output.resource_uris.join(", ")
        );
    }
}

/// A task's state in a sentence, for the `statusMessage` of `tasks/get`.
pub(crate) fn status_message(output: &GetTaskOutput) -> String {
    let mut message = output.status.as_str().to_owned();
    if let Some(progress) = &output.progress {
        message.push_str(&format!(" ({progress})"));
    }
    if let Some(word) = &output.provider_status {
        message.push_str(&format!("; the provider says \"{word}\""));
    }
    if let Some(trouble) = &output.provider_trouble {
        message.push_str(&format!(
            "; the provider is having trouble answering ({trouble}), the task is not affected"
        ));
    }
    message
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

/// Only a client that declares the Tasks extension sees it declared: to the
/// others this server looks exactly as it did before tasks.
fn hide_tasks_from(server: &mut ServerCapabilities, client: &rmcp::model::ClientCapabilities) {
    if !client.supports_tasks()
        && let Some(extensions) = server.extensions.as_mut()
    {
        extensions.remove(TASKS_EXTENSION_ID);
    }
}

/// The server's icon (a film frame), inline so no client has to fetch anything.
fn icon() -> Icon {
    let svg = include_str!("icon.svg");
    let data = base64::engine::general_purpose::STANDARD.encode(svg);
    Icon::new(format!("data:image/svg+xml;base64,{data}"))
        .with_mime_type("image/svg+xml")
        .with_sizes(vec!["any".to_owned()])
}

const INSTRUCTIONS: &str = "Generate Seedance 2.0 videos and Seedream 4.5 images. Workflow: (1) get_balance; \
(2) plan a timed storyboard (`0-3s: ...` lines from 0 to the duration, 4-15 s; inputs as @image_file_N / \
@video_file_N / @audio_file_N), or use the `storyboard` prompt; (3) submit_task with dry_run: true and show \
the user the cost and warnings; (4) submit_task once; (5) get_task with wait_seconds 45, again until finished \
(video takes 1-10 min; never resubmit to check); (6) give the user local_files. Local files: pass their \
paths (inside the client's roots) in the media fields; they are checked by content. Longer than 15 s: one \
submit_story of chained clips (dry_run first), then get_task on its story_id until the joined file is ready. The \
full workflow is the resource seedance://skill/SKILL.md.";

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for SeedanceServer {
    fn get_info(&self) -> ServerConfig {
        let instructions = self.instructions.clone();
        #[allow(deprecated)] // logging: SEP-2577 deprecates it; 2025-11-25 clients use it
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_resources()
            .enable_tools()
            .enable_tasks()
            .enable_skills()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                    .with_title("Seedance MCP")
                    .with_icons(vec![icon()]),
            )
            .with_instructions(instructions)
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        let mut info = self.negotiate_initialize(&request)?;
        hide_tasks_from(&mut info.capabilities, &request.capabilities);
        Ok(info)
    }

    async fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<DiscoverResult, ErrorData> {
        let mut info = self.get_info();
        let client = context.client_capabilities().unwrap_or_default();
        hide_tasks_from(&mut info.capabilities, &client);
        Ok(DiscoverResult::from_server_info(
            self.supported_protocol_versions().into_owned(),
            info,
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let declares_tasks = context
            .client_capabilities()
            .is_some_and(|c| c.supports_tasks());
        let job = declares_tasks
            .then(|| tasks::backing(&request.name))
            .flatten();
        let caller = self.caller(&context);
        let response = self
            .tool_router
            .call(ToolCallContext::new(self, request, context))
            .await?;
        match (job, response) {
            (Some(job), CallToolResponse::Complete(result)) => {
                Ok(tasks::answer(job, &caller, result).await)
            }
            (_, response) => Ok(response),
        }
    }

    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, ErrorData> {
        tasks::get(&self.caller(&context), &request.task_id).await
    }

    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        tasks::cancel(&self.caller(&context), &request.task_id).await
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, ErrorData> {
        skills::list()
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, ErrorData> {
        skills::get(&request.uri)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let values = match &request.r#ref {
            Reference::Prompt(prompt) if prompt.name == "storyboard" => {
                prompts::complete(&request.argument.name, &request.argument.value)
            }
            _ => Vec::new(),
        };
        let completion = CompletionInfo::with_all_values(values)
            .map_err(|e| ErrorData::internal_error(e, None))?;
        Ok(CompleteResult::new(completion))
    }

    #[allow(deprecated)] // logging: SEP-2577 deprecates it; 2025-11-25 clients use it
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.log.set(request.level);
        Ok(())
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
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let files = self
            .caller(&context)
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
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let skill_file =
            crate::skill::by_uri(&request.uri).or_else(|| skills::by_uri(&request.uri));
        if let Some(file) = skill_file {
            let contents = ResourceContents::text(file.text, request.uri.clone())
                .with_mime_type("text/markdown");
            return Ok(ReadResourceResult::new(vec![contents]).into());
        }
        match self.caller(&context).read_saved_file(&request.uri).await {
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
