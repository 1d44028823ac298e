//! The simulated provider: free, offline, and honest about being a simulation.
//!
//! Tasks move queued → running → succeeded over `ProviderConfig::simulated_task`, prices follow
//! xskill's per-second formula in "simulated credits", and results are real media
//! rendered on download ([`render`]) with "SIMULATED" written on them. A prompt that
//! contains [`FAILURE_MARKER`] fails like a moderation refusal, so agents and users
//! can rehearse the failure path without paying.
//!
//! A task is a record written once at submit (its start and end times, what it will
//! render, its price) and again if it is cancelled; its state at any moment follows
//! from the record and the clock. Records live in the [`StateStore`] the service
//! lends (the journal), so a task submitted by one process can be waited on,
//! cancelled or downloaded by another, and a restart loses nothing. The balance
//! follows from the records too.

mod record;
pub mod render;

use record::{Product, SimClock, SimTask, unreadable_record};

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageUpload,
        KnownModel, ModelChoice, OutputKind, ProviderId, ProviderInfo, Ratio, Resolution,
        SubmittedTask, TaskFailure, TaskRef, TaskSnapshot, TaskStatus, VideoInputs, VideoTier,
    },
    error::ProviderError,
    providers::{
        Capabilities, CreateCall, Download, Provider, SubmissionKey,
        capabilities::{ALL_RATIOS, BalanceSource, LocalFiles, MediaRules},
        registry::Entry,
        state::{MemoryState, StateStore},
    },
    sync::lock,
};

static INFO: ProviderInfo = ProviderInfo {
    name: "sim",
    display_name: "the built-in simulator",
    key_var: None,
    base_url_var: None,
    default_base_url: "sim://",
};
const ID: ProviderId = ProviderId::new(&INFO);

/// The registry's entry for the simulator: no key, so it runs when none is set.
pub(super) static ENTRY: Entry = Entry {
    id: ID,
    chosen_by_key: false,
    capabilities: &CAPABILITIES,
    build: |config| Ok(std::sync::Arc::new(Sim::new(config.simulated_task))),
};

/// The simulator accepts everything any provider does, so a workflow can be
/// rehearsed whatever provider it will run on.
static CAPABILITIES: Capabilities = Capabilities {
    simulated: true,
    // seedance2ai.io's channel and output format are rehearsed; Ark's options are refused, as
    // every other provider does.
    options: &[
        super::seedance2ai::options::ARGUMENT,
        super::seedance2ai::options::OUTPUT_FORMAT,
    ],
    models: KnownModel::ALL,
    upload: true,
    balance: BalanceSource::Endpoint,
    list: false,
    // Cancelled while queued, like Ark's tasks, so the flow can be rehearsed.
    cancel: true,
    last_frame: true,
    audio_switch: true,
    seed: true,
    camera_fixed: true,
    watermark: true,
    ratios: ALL_RATIOS,
    resolutions: Resolution::ALL,
    max_images: 9,
    max_videos: 3,
    max_audios: 3,
    // Only seed2.io takes audio alone; rehearsals keep the rule every other provider has.
    audio_only_reference: false,
    media: MediaRules {
        data_urls: true,
        asset_ids: true,
        plain_http: true,
        local: LocalFiles::Simulated,
    },
    idempotent_create: false,
    prompt_chars: None,
    pricing: "Simulated: the xskill formula (10 credits per second fast, 20 standard, doubled with \
              reference videos) in pretend credits; nothing is ever charged.",
};
const UNIT: &str = "simulated credits";
/// Host of simulated URLs; `.invalid` can never resolve, so nothing else fetches them.
const HOST: &str = "https://sim.seedance-mcp.invalid";
/// Put this in a prompt to make the simulated task fail.
pub const FAILURE_MARKER: &str = "#simulate-failure";
/// Every simulated account starts with this much.
const STARTING_BALANCE: f64 = 10_000.0;
/// Frames per second of simulated clips: smooth enough to look like video, small files.
const SIM_FPS: u32 = 12;

/// Keys of task records in the store.
const TASK_KEY: &str = "task/";

/// The simulator.
#[derive(Debug)]
pub struct Sim {
    /// How long a task takes from submit to its outcome.
    task_time: Duration,
    clock: SimClock,
    /// The journal, once the service lends it.
    store: OnceLock<Arc<dyn StateStore>>,
    /// Where records go until then (and in tests without a journal).
    memory: MemoryState,
    /// Uploaded images, by name. Kept in memory only: the simulator never fetches
    /// references, so only downloading an upload's URL needs them.
    uploads: Mutex<HashMap<String, Bytes>>,
    next_id: AtomicU64,
    /// Distinguishes this process's task ids from every other's.
    run_tag: String,
}

impl Sim {
    /// A simulated account whose tasks take `task_time`.
    pub fn new(task_time: Duration) -> Self {
        Self {
            task_time,
            clock: SimClock::new(),
            store: OnceLock::new(),
            memory: MemoryState::default(),
            uploads: Mutex::default(),
            next_id: AtomicU64::new(1),
            run_tag: run_tag(),
        }
    }

    fn store(&self) -> &dyn StateStore {
        match self.store.get() {
            Some(store) => store.as_ref(),
            None => &self.memory,
        }
    }

    async fn record(&self, task_id: &str) -> Result<SimTask, ProviderError> {
        let text = self
            .store()
            .get(ID, &format!("{TASK_KEY}{task_id}"))
            .await?
            .ok_or_else(|| not_found(format!("task {task_id}")))?;
        unreadable_record(serde_json::from_str(&text))
    }

    async fn save(&self, task_id: &str, task: &SimTask) -> Result<(), ProviderError> {
        let text = serde_json::to_string(task).map_err(|e| ProviderError::Upstream {
            provider: ID,
            status: None,
            message: format!("could not record the simulated task: {e}"),
        })?;
        self.store()
            .put(ID, &format!("{TASK_KEY}{task_id}"), text)
            .await
    }

    /// The starting balance less what every recorded task still takes.
    async fn balance_at(&self, now_ms: i64) -> Result<f64, ProviderError> {
        let mut balance = STARTING_BALANCE;
        for text in self.store().values(ID, TASK_KEY).await? {
            let task: SimTask = unreadable_record(serde_json::from_str(&text))?;
            balance -= task.charged_at(now_ms);
        }
        Ok(balance)
    }
}

/// xskill's formula: credits per second by tier, doubled with reference videos.
fn price(generation: &Generation) -> f64 {
    match generation {
        Generation::Video(v) => {
            let per_second = match v.tier {
                VideoTier::Mini => 5.0,
                VideoTier::Fast => 10.0,
                VideoTier::Standard => 20.0,
            };
            let factor = if v.inputs.has_video() { 2.0 } else { 1.0 };
            per_second * factor * f64::from(v.duration)
        }
        Generation::Image(i) => 16.0 * f64::from(i.num_images),
    }
}

/// Tenths of a second since 2020 and two random digits, in base 36: short, and
/// unique per process in practice even when processes start together.
fn run_tag() -> String {
    use rand::Rng;
    let tenths = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64 / 100)
        .saturating_sub(15_778_368_000);
    let salt: u64 = rand::rng().random_range(0..36 * 36);
    base36(tenths * 36 * 36 + salt)
}

fn base36(mut n: u64) -> String {
    let mut tag = Vec::new();
    loop {
        let digit = (n % 36) as u8;
        tag.push(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        });
        n /= 36;
        if n == 0 {
            break;
        }
    }
    tag.reverse();
    String::from_utf8(tag).unwrap_or_default()
}

fn seed_of(text: &str) -> u64 {
    // FNV-1a: stable across runs, so the same prompt gives the same colours.
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn result_urls(task_id: &str, product: &Product) -> Vec<String> {
    match product {
        Product::Clip { .. } => vec![format!("{HOST}/results/{task_id}.mp4")],
        Product::Stills { count } => (1..=*count)
            .map(|n| format!("{HOST}/results/{task_id}-{n}.png"))
            .collect(),
    }
}

fn not_found(what: String) -> ProviderError {
    ProviderError::NotFound {
        provider: ID,
        what,
        message: "no simulated task or file by that name in this data folder's journal".to_owned(),
    }
}

#[async_trait]
impl Provider for Sim {
    fn id(&self) -> ProviderId {
        ID
    }

    // Like the real providers, a failed simulated task is refunded (see `task`).
    fn refunds_failures(&self) -> bool {
        true
    }

    fn keep_state_in(&self, store: Arc<dyn StateStore>) {
        // Lent once, before the first task; a second lender (another service over
        // the same provider) shares the same journal.
        let _ = self.store.set(store);
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn typical_duration(&self, _kind: OutputKind) -> Duration {
        self.task_time
    }

    fn estimate(&self, request: &GenerationRequest) -> Option<Amount> {
        Some(Amount::new(price(&request.generation), UNIT))
    }

    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        // Nothing leaves the machine; the "request" is what the simulator renders.
        // It shows everything it was given, so a rehearsal can check chaining settings
        // (frames, references, last frame, seed) before a real provider is paid.
        let model = match &request.model {
            ModelChoice::Known(known) => known.as_str().to_owned(),
            ModelChoice::Native(id) => id.clone(),
        };
        let body = match &request.generation {
            Generation::Video(v) => {
                let mut body = serde_json::json!({
                    "render": "placeholder clip",
                    "model": model,
                    "prompt": v.prompt,
                    "duration": v.duration,
                    "ratio": v.ratio.map_or("16:9", Ratio::as_str),
                    "resolution": v.resolution.map(Resolution::as_str),
                    "generate_audio": v.generate_audio,
                    "seed": v.seed,
                    "camera_fixed": v.camera_fixed,
                    "return_last_frame": v.return_last_frame,
                    "watermark": v.watermark,
                });
                let inputs = match &v.inputs {
                    VideoInputs::Omni {
                        images,
                        videos,
                        audios,
                    } => serde_json::json!({
                        "mode": "omni_reference",
                        "image_files": images,
                        "video_files": videos,
                        "audio_files": audios,
                    }),
                    VideoInputs::Frames { first, last } => serde_json::json!({
                        "mode": "first_last_frames",
                        "first_frame": first,
                        "last_frame": last,
                    }),
                };
                if let (Some(body), serde_json::Value::Object(inputs)) =
                    (body.as_object_mut(), inputs)
                {
                    body.extend(inputs);
                }
                body
            }
            Generation::Image(i) => serde_json::json!({
                "render": "placeholder images",
                "model": model,
                "prompt": i.prompt,
                "count": i.num_images,
                "ratio": i.ratio.map(|r| r.as_str()),
                "resolution": i.resolution.map(Resolution::as_str),
                "image_size": i.image_size.map(|s| s.as_str()),
                "image_files": i.image_urls,
            }),
        };
        Ok(CreateCall {
            method: "SIMULATE",
            url: "sim://tasks".to_owned(),
            headers: Vec::new(),
            body,
        })
    }

    async fn submit_with(
        &self,
        request: &GenerationRequest,
        key: &SubmissionKey,
        _attachments: &crate::providers::inline::Attachments,
    ) -> Result<SubmittedTask, ProviderError> {
        // Local files were checked like for any provider; a simulation sends nothing.
        self.submit(request, key).await
    }

    async fn submit(
        &self,
        request: &GenerationRequest,
        _key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError> {
        let price = price(&request.generation);
        let (product, prompt) = match &request.generation {
            Generation::Video(v) => (
                Product::Clip {
                    ratio: v.ratio,
                    duration: v.duration,
                },
                &v.prompt,
            ),
            Generation::Image(i) => (
                Product::Stills {
                    count: i.num_images,
                },
                &i.prompt,
            ),
        };
        let now = self.clock.now_ms();
        let balance = self.balance_at(now).await?;
        if balance < price {
            return Err(ProviderError::InsufficientBalance {
                provider: ID,
                message: format!("needs {price} {UNIT}, {balance} left"),
            });
        }
        let task_id = format!(
            "sim-{}-{}",
            self.run_tag,
            self.next_id.fetch_add(1, Ordering::Relaxed)
        );
        let task_ms = i64::try_from(self.task_time.as_millis()).unwrap_or(i64::MAX);
        let task = SimTask {
            started_ms: now,
            ends_ms: now.saturating_add(task_ms),
            product,
            caption: prompt.chars().take(60).collect(),
            seed: seed_of(prompt),
            fails: prompt.contains(FAILURE_MARKER),
            last_frame: matches!(&request.generation, Generation::Video(v) if v.return_last_frame),
            price,
            cancelled: false,
        };
        self.save(&task_id, &task).await?;
        Ok(SubmittedTask {
            task_id,
            // A create answers "queued", as every provider's does.
            status: TaskStatus::Queued,
            price: Some(Amount::new(price, UNIT)),
            balance_after: Some(Amount::new(balance - price, UNIT)),
        })
    }

    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError> {
        let task_id = task.id.as_str();
        let task = self.record(task_id).await?;
        let status = task.status_at(self.clock.now_ms());
        let failure = (status == TaskStatus::Failed).then(|| {
            TaskFailure::new(
                FailureKind::ContentRejected,
                Some("SIMULATED".to_owned()),
                format!("simulated failure requested with {FAILURE_MARKER} in the prompt"),
            )
        });
        Ok(TaskSnapshot {
            task_id: task_id.to_owned(),
            status,
            result_urls: if status == TaskStatus::Succeeded {
                result_urls(task_id, &task.product)
            } else {
                Vec::new()
            },
            last_frame_url: (status == TaskStatus::Succeeded && task.last_frame)
                .then(|| format!("{HOST}/results/{task_id}-last.png")),
            failure,
            progress: (status == TaskStatus::Running).then(|| "simulated rendering".to_owned()),
            // A cancelled task cost nothing; a failed one shows its price, refunded.
            price: Some(Amount::new(
                if task.cancelled { 0.0 } else { task.price },
                UNIT,
            )),
            refunded: None,
            usage_tokens: None,
            seed: None,
            urls_expire_at: None,
            provider_status: None,
        })
    }

    async fn cancel(&self, task_id: &str) -> Result<(), ProviderError> {
        let mut task = self.record(task_id).await?;
        let status = task.status_at(self.clock.now_ms());
        if status != TaskStatus::Queued {
            return Err(ProviderError::InvalidRequest {
                provider: ID,
                message: format!(
                    "task {task_id} is {} and can no longer be cancelled",
                    status.as_str()
                ),
            });
        }
        // Recorded, so every process sees it cancelled and its price back.
        task.cancelled = true;
        self.save(task_id, &task).await
    }

    async fn upload_image(&self, image: &ImageUpload) -> Result<HostedImage, ProviderError> {
        let bytes = match image {
            ImageUpload::Url(url) => return Ok(HostedImage { url: url.clone() }),
            ImageUpload::Bytes(bytes) => Bytes::from(bytes.clone()),
        };
        let ext = crate::media_probe::sniff_format(&bytes).map_or("bin", |f| f.extension());
        let name = format!("{:016x}.{ext}", seed_of(&String::from_utf8_lossy(&bytes)));
        lock(&self.uploads).insert(name.clone(), bytes);
        Ok(HostedImage {
            url: format!("{HOST}/uploads/{name}"),
        })
    }

    async fn balance(&self) -> Result<Balance, ProviderError> {
        Ok(Balance {
            available: Amount::new(self.balance_at(self.clock.now_ms()).await?, UNIT),
            last_seen_at: None,
        })
    }

    async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        let name = url.strip_prefix(HOST).unwrap_or(url);
        if let Some(upload) = name.strip_prefix("/uploads/") {
            let bytes = lock(&self.uploads)
                .get(upload)
                .cloned()
                .ok_or_else(|| not_found(url.to_owned()))?;
            return Ok(one_chunk(None, bytes));
        }
        let file = name
            .strip_prefix("/results/")
            .ok_or_else(|| not_found(url.to_owned()))?;
        let (stem, ext) = file
            .rsplit_once('.')
            .ok_or_else(|| not_found(url.to_owned()))?;
        let (task_id, piece) = match (stem.strip_suffix("-last"), ext) {
            (Some(id), _) => (id, Piece::LastFrame),
            (None, "png") => stem
                .rsplit_once('-')
                .map_or((stem, Piece::Still(0)), |(id, n)| {
                    (id, Piece::Still(n.parse().unwrap_or(0)))
                }),
            _ => (stem, Piece::Clip),
        };
        let task = self.record(task_id).await?;
        if task.status_at(self.clock.now_ms()) != TaskStatus::Succeeded {
            return Err(not_found(url.to_owned()));
        }
        // Rendering a 15 s clip takes a few milliseconds of CPU: keep it off the
        // async workers anyway.
        let mime = match piece {
            Piece::Clip => "video/mp4",
            Piece::Still(_) | Piece::LastFrame => "image/png",
        };
        let bytes = tokio::task::spawn_blocking(move || render_product(&task, piece))
            .await
            .map_err(|e| ProviderError::Upstream {
                provider: ID,
                status: None,
                message: format!("render failed: {e}"),
            })?;
        Ok(one_chunk(Some(mime), Bytes::from(bytes)))
    }
}

/// Which file of a task a result URL names.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Clip,
    Still(u64),
    LastFrame,
}

fn render_product(task: &SimTask, piece: Piece) -> Vec<u8> {
    let caption = task.caption.clone();
    match (&task.product, piece) {
        (Product::Clip { ratio, .. }, Piece::LastFrame) => {
            let (width, height) =
                render::frame_size_for_ratio(ratio.map_or("16:9", |r| r.as_str()));
            render::render_png(&render::StillSpec {
                width,
                height,
                seed: task.seed,
                caption,
            })
        }
        (Product::Clip { ratio, duration }, _) => {
            let (width, height) =
                render::frame_size_for_ratio(ratio.map_or("16:9", |r| r.as_str()));
            render::render_mp4(&render::ClipSpec {
                width,
                height,
                fps: SIM_FPS,
                duration_secs: u32::from(*duration),
                seed: task.seed,
                caption,
            })
        }
        (Product::Stills { .. }, piece) => render::render_png(&render::StillSpec {
            width: 512,
            height: 512,
            seed: task
                .seed
                .wrapping_add(if let Piece::Still(n) = piece { n } else { 0 }),
            caption,
        }),
    }
}

fn one_chunk(mime: Option<&str>, bytes: Bytes) -> Download {
    Download {
        content_type: mime.map(str::to_owned),
        expected_len: Some(bytes.len() as u64),
        body: futures_util::stream::once(async move { Ok(bytes) }).boxed(),
    }
}
