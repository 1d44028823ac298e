//! What every fake does alike, tested once and run for each of them through
//! [`FakeControl`] and [`Fake`]: the key is checked before anything else, a
//! scripted failure answers the next authorised request once, tasks move one
//! step per read and never by time, result files exist only after success, a
//! scripted outcome ends one task and a failure gives its price back exactly
//! once, an account that cannot pay creates nothing, unknown tasks and routes
//! are 404s, the strict reader names what it refuses and takes `null` as
//! absent, and dropping a fake stops it.
//!
//! What differs between the APIs is each fake's table, JSON kept beside its
//! own tests: `key`, `balance` (`null`: none) and `price` of a default fake's
//! task; `create` (path), `body` (a create body), `params` (the pointer where
//! extra fields go) and `idempotent` (whether POSTs carry an
//! `Idempotency-Key`); `read` (`[method, path, body]`, `{id}` replaced);
//! pointers to the `id` in a create answer, the `task` in a read answer, the
//! `status` and `video` URL in a task and the `message` in an error;
//! `video_at` (its path on the origin) and `signed` (a query follows);
//! `words` (pending or `null`, processing, succeeded) and the `reads` a
//! default task answers pending, then processing; `request_id` (messages end
//! with the `X-Request-Id`); and the answers each test expects, a refusal
//! being `[status, members of the body, words of the message]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{cell::Cell, time::Duration};

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::{
    FakeControl, PLACEHOLDER_MP4, TaskOutcome,
    server::{Api, Fake},
    test_client::{Reply, client, send},
};

/// A fake the tests below can drive.
pub(crate) trait Provider: Api {
    /// What differs in this API, as data (see the module notes).
    fn table() -> Value;
    /// Sets the reads a task answers pending, then processing, and the bytes
    /// of every result video.
    fn configure(config: &mut Self::Config, reads: (u32, u32), video: &[u8]);
    /// The status a task snapshot shows.
    fn snapshot_status(task: &Self::Snapshot) -> &str;
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap()
}

/// A running fake, its table, and the POSTs sent so far.
struct Probe<P: Provider> {
    fake: Fake<P>,
    t: Value,
    posts: Cell<u32>,
}

impl<P: Provider> Probe<P> {
    /// A fake configured with `reads` and `video`, or by default.
    async fn start(configured: Option<((u32, u32), &[u8])>) -> Self {
        let mut config = P::Config::default();
        if let Some((reads, video)) = configured {
            P::configure(&mut config, reads, video);
        }
        let fake = Fake::<P>::start_with(config).await.unwrap();
        let (t, posts) = (P::table(), Cell::new(0));
        Self { fake, t, posts }
    }

    async fn new() -> Self {
        Self::start(None).await
    }

    /// What the table's pointer `name` points at in `value`.
    fn at<'a>(&self, value: &'a Value, name: &str) -> &'a Value {
        let pointer = text(&self.t[name]);
        let found = value.pointer(pointer);
        found.unwrap_or_else(|| panic!("no {pointer} in {value}"))
    }

    fn price(&self, tasks: usize) -> i64 {
        self.t["price"].as_i64().unwrap() * tasks as i64
    }

    /// The create body with `extra` added to its parameters.
    fn body(&self, extra: &Value) -> Value {
        let mut body = self.t["body"].clone();
        let params = body.pointer_mut(text(&self.t["params"])).unwrap();
        let extra = extra.as_object().unwrap().clone();
        params.as_object_mut().unwrap().extend(extra);
        body
    }

    /// A request with `key`, and on APIs that want one, POSTs number N with
    /// `Idempotency-Key: key-N`.
    fn request(&self, method: &str, path: &str, key: Option<&str>) -> RequestBuilder {
        let url = format!("{}{path}", self.fake.base_url());
        let request = client().request(method.parse().unwrap(), url);
        let request = match key {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        if method != "POST" || self.t["idempotent"] != true {
            return request;
        }
        self.posts.set(self.posts.get() + 1);
        request.header("Idempotency-Key", format!("key-{}", self.posts.get()))
    }

    async fn post(&self, path: &str, body: &Value) -> Reply {
        let key = Some(self.fake.api_key());
        send(self.request("POST", path, key).json(body)).await
    }

    async fn create(&self, extra: &Value) -> Reply {
        self.post(text(&self.t["create"]), &self.body(extra)).await
    }

    async fn create_ok(&self) -> String {
        let reply = self.create(&json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let id = self.at(&reply.body, "id");
        id.as_str().map_or_else(|| id.to_string(), str::to_owned)
    }

    async fn read_as(&self, id: &str, key: Option<&str>) -> Reply {
        let read = &self.t["read"];
        let request = self.request(text(&read[0]), &text(&read[1]).replace("{id}", id), key);
        let body = read[2].to_string().replace("{id}", id);
        match serde_json::from_str::<Option<Value>>(&body).unwrap() {
            Some(body) => send(request.json(&body)).await,
            None => send(request).await,
        }
    }

    async fn read(&self, id: &str) -> Reply {
        self.read_as(id, Some(self.fake.api_key())).await
    }

    fn status<'a>(&self, reply: &'a Reply) -> &'a str {
        assert_eq!(reply.status, 200, "{}", reply.body);
        text(self.at(self.at(&reply.body, "task"), "status"))
    }

    /// The statuses a task goes through with these reads (or the default).
    fn life(&self, reads: Option<(u32, u32)>) -> Vec<Value> {
        let [pending, processing, done] = [0, 1, 2].map(|index| &self.t["words"][index]);
        let default = self.t["reads"].as_array().unwrap();
        let count = |value: &Value| value.as_u64().unwrap() as u32;
        let (p, q) = reads.unwrap_or((count(&default[0]), count(&default[1])));
        let p = if pending.is_null() { 0 } else { p as usize };
        let life = [vec![pending; p], vec![processing; q as usize], vec![done]];
        life.concat().into_iter().cloned().collect()
    }

    /// Reads until the task settles: every status seen, and the last answer.
    async fn poll(&self, id: &str) -> (Vec<Value>, Reply) {
        let mut seen = Vec::new();
        for _ in 0..20 {
            let reply = self.read(id).await;
            seen.push(json!(self.status(&reply)));
            if !self.t["words"].as_array().unwrap()[..2].contains(seen.last().unwrap()) {
                return (seen, reply);
            }
        }
        panic!("the task never settled: {seen:?}");
    }

    /// What a task's snapshot shows, without reading it.
    fn snapshot(&self, id: &str) -> String {
        P::snapshot_status(&self.fake.task(id).unwrap()).to_owned()
    }

    fn video_url(&self, id: &str) -> String {
        let path = text(&self.t["video_at"]).replace("{id}", id);
        format!("{}{path}", self.fake.origin())
    }
}

/// `reply` is the refusal `[status, members of its body, words of its
/// message]` in `P`'s envelope, its message ending with the request id where
/// the API says so.
pub(crate) fn refused<P: Provider>(reply: &Reply, expected: &Value) {
    let t = P::table();
    assert_eq!(reply.status, expected[0], "{}", reply.body);
    has_members(&reply.body, &expected[1], &reply.body, true);
    let message = reply.body.pointer(text(&t["message"])).map(text);
    let message = message.unwrap_or_else(|| panic!("no message in {}", reply.body));
    let words = text(&expected[2]);
    assert!(message.contains(words), "{message:?} should say {words:?}");
    if t["request_id"] == true {
        let id = reply.headers["x-request-id"].to_str().unwrap();
        assert!(message.ends_with(&format!("Request ID: {id}")), "{message}");
    }
}

/// Every member of `expected` is in `actual` with the same value; `deep`
/// compares objects within member by member too.
fn has_members(actual: &Value, expected: &Value, whole: &Value, deep: bool) {
    let Value::Object(members) = expected else {
        return assert_eq!(actual, expected, "in {whole}");
    };
    for (key, value) in members {
        match deep {
            true => has_members(&actual[key], value, whole, deep),
            false => assert_eq!(&actual[key], value, "{key} in {whole}"),
        }
    }
}

/// A create without the key or with a wrong one, and a read without it, are
/// refused, recorded as unauthorised, and create and charge nothing.
async fn a_missing_or_wrong_key_is_refused_and_creates_nothing<P: Provider>() {
    let p = Probe::<P>::new().await;
    let t = &p.t;
    assert_eq!(p.fake.api_key(), t["key"]);
    let body = p.body(&json!({}));
    for key in [None, Some("sk-wrong")] {
        let create = p.request("POST", text(&t["create"]), key);
        refused::<P>(&send(create.json(&body)).await, &t["unauthorized"]);
    }
    refused::<P>(&p.read_as("some-task", None).await, &t["unauthorized"]);

    assert_eq!(p.fake.tasks_created(), 0);
    assert_eq!(json!(p.fake.balance()), t["balance"]);
    assert_eq!(p.fake.create_calls(), 2);
    let recorded = p.fake.requests();
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|request| !request.authorized));
    assert_eq!(recorded[0].body, body);
    let idempotency_key = (t["idempotent"] == true).then_some("key-1");
    assert_eq!(recorded[0].idempotency_key.as_deref(), idempotency_key);
}

/// Scripted failures wait for an authorised request, answer one each (a
/// create, then reads) in the API's envelope with their `Retry-After`, and
/// are used up; a read answered so does not move its task.
async fn a_scripted_failure_answers_the_next_authorised_request_once<P: Provider>() {
    let p = Probe::<P>::new().await;
    let (t, scripted) = (&p.t, p.t["scripted"].as_array().unwrap());
    let script = |row: &Value| {
        let status = row[0].as_u64().unwrap().try_into().unwrap();
        p.fake.fail_next_request(status, row[1].as_u64());
    };
    scripted.iter().for_each(script);
    refused::<P>(&p.read_as("some-task", None).await, &t["unauthorized"]);
    for (index, row) in scripted.iter().enumerate() {
        let reply = match index {
            0 => p.create(&json!({})).await,
            _ => p.read("some-task").await,
        };
        refused::<P>(&reply, &row[2]);
        let retry_after = reply.headers.get("retry-after");
        let secs = retry_after.map(|secs| secs.to_str().unwrap().parse::<u64>().unwrap());
        assert_eq!(json!(secs), row[1]);
    }
    assert_eq!(p.fake.tasks_created(), 0);

    let id = p.create_ok().await;
    assert_eq!((p.fake.create_calls(), p.fake.tasks_created()), (2, 1));
    let left = t["balance"].as_i64().map(|balance| balance - p.price(1));
    assert_eq!(p.fake.balance(), left);
    script(&scripted[0]);
    refused::<P>(&p.read(&id).await, &scripted[0][2]);
    assert_eq!(p.status(&p.read(&id).await), p.life(None)[0]);
}

/// A task moves one status per read of it, by default or as configured, and
/// not by time; its video (the placeholder, or the configured bytes) is
/// served, without a key, only once it has succeeded; a settled task answers
/// the same however often it is read.
async fn tasks_move_one_step_per_read_and_never_by_time<P: Provider>() {
    let video: &[u8] = b"real mp4 goes here";
    for configured in [None, Some(((0, 0), video)), Some(((2, 2), video))] {
        let p = Probe::<P>::start(configured).await;
        let (reads, video) = configured.unzip();
        let (first, second) = (p.create_ok().await, p.create_ok().await);
        assert_ne!(first, second);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let words = &p.t["words"];
        let starts = [&words[0], &words[1]]
            .into_iter()
            .find(|word| !word.is_null());
        let starts = starts.unwrap();
        assert_eq!(p.snapshot(&first), *starts);
        assert_eq!(send(client().get(p.video_url(&first))).await.status, 404);

        let (seen, last) = p.poll(&first).await;
        assert_eq!(seen, p.life(reads), "{reads:?}");
        let url = text(p.at(p.at(&last.body, "task"), "video"));
        let query = url.strip_prefix(&p.video_url(&first)).unwrap();
        assert_eq!(query.starts_with('?'), p.t["signed"] == true, "{url}");
        assert_eq!(query.is_empty(), p.t["signed"] == false, "{url}");
        let download = client().get(url).send().await.unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.headers()["content-type"], "video/mp4");
        let video = video.unwrap_or(PLACEHOLDER_MP4);
        assert_eq!(download.bytes().await.unwrap().as_ref(), video);

        assert_eq!(p.read(&first).await.body, last.body);
        assert_eq!(
            json!([p.snapshot(&first), p.snapshot(&second)]),
            json!([words[2], starts])
        );
        let left = p.t["balance"].as_i64().map(|balance| balance - p.price(2));
        assert_eq!(p.fake.balance(), left);
    }
}

/// Scripted outcomes end the next tasks, one each; a task that fails or
/// expires gives its price back once, however often it is read, and has no
/// video; then tasks succeed again.
async fn a_scripted_outcome_ends_one_task_and_a_failure_is_refunded_once<P: Provider>() {
    let p = Probe::<P>::new().await;
    let (t, outcomes) = (&p.t, p.t["outcomes"].as_array().unwrap());
    for row in outcomes {
        match (row[0].as_str(), row[0]["fail"].as_str()) {
            (Some("moderation"), _) => p.fake.script_moderation_failure(),
            (Some("expire"), _) => p.fake.script_next_outcome(TaskOutcome::Expire),
            (_, fail) => p
                .fake
                .script_next_outcome(TaskOutcome::Fail(fail.unwrap().into())),
        }
    }
    // Just enough for every task, where the API keeps a balance.
    let tasks = outcomes.len() + 1;
    let balance = |refunds| t["balance"].as_i64().map(|_| p.price(refunds));
    assert_eq!(p.fake.set_balance(p.price(tasks)), !t["balance"].is_null());
    let mut ids = Vec::new();
    for _ in 0..tasks {
        ids.push(p.create_ok().await);
    }
    assert_eq!(p.fake.balance(), balance(0));
    let life = p.life(None);
    for (index, (id, row)) in ids.iter().zip(outcomes).enumerate() {
        let (seen, last) = p.poll(id).await;
        assert_eq!(seen[..seen.len() - 1], life[..life.len() - 1]);
        has_members(p.at(&last.body, "task"), &row[1], &last.body, false);
        assert_eq!(p.fake.balance(), balance(index + 1));
        assert_eq!(p.read(id).await.body, last.body);
        assert_eq!(p.fake.balance(), balance(index + 1));
        assert_eq!(send(client().get(p.video_url(id))).await.status, 404);
    }
    assert_eq!(p.poll(ids.last().unwrap()).await.0, life);
}

/// A balance one unit short is refused and left as it was, with nothing
/// created, and exactly enough is enough; where the API keeps no balance
/// there is none to set. An account made unable to pay is refused its way.
async fn an_account_that_cannot_pay_is_refused_and_nothing_is_created<P: Provider>() {
    let p = Probe::<P>::new().await;
    let (t, price) = (&p.t, p.price(1));
    if t["balance"].is_null() {
        assert!(!p.fake.set_balance(price));
        assert_eq!(p.fake.balance(), None);
    } else {
        assert!(p.fake.set_balance(price - 1));
        refused::<P>(&p.create(&json!({})).await, &t["short"]);
        assert_eq!(p.fake.balance(), Some(price - 1));
        assert_eq!((p.fake.create_calls(), p.fake.tasks_created()), (1, 0));
        assert!(p.fake.set_balance(price));
        p.create_ok().await;
        assert_eq!(p.fake.balance(), Some(0));
    }
    let created = p.fake.tasks_created();
    p.fake.make_unable_to_pay();
    refused::<P>(&p.create(&json!({})).await, &t["unable"]);
    assert_eq!(p.fake.tasks_created(), created);
}

/// An unknown task id, a route the API does not have, and any path outside
/// the API and its files (key or no key) are 404s in the API's envelope.
async fn unknown_tasks_and_routes_are_404s_in_the_api_s_envelope<P: Provider>() {
    let p = Probe::<P>::new().await;
    let (t, key) = (&p.t, Some(p.fake.api_key()));
    let unknown = &t["unknown_task"];
    refused::<P>(&p.read(text(&unknown[0])).await, &unknown[1]);
    for route in t["no_routes"].as_array().unwrap() {
        let (method, path) = (text(&route[0]), text(&route[1]));
        let request = p.request(method, path, key);
        let request = if method == "POST" {
            request.json(&json!({}))
        } else {
            request
        };
        let reply = send(request).await;
        let words = format!("{method} {}{path}", P::BASE_PATH);
        refused::<P>(&reply, &json!([404, t["no_route"], words]));
    }
    for key in [None, key] {
        let outside = client().get(format!("{}/elsewhere", p.fake.origin()));
        let outside = match key {
            Some(key) => outside.bearer_auth(key),
            None => outside,
        };
        refused::<P>(
            &send(outside).await,
            &json!([404, t["no_route"], "GET /elsewhere"]),
        );
    }
    assert_eq!(p.fake.create_calls(), 0);
}

/// The strict reader refuses what its document refuses (an unknown field,
/// even a null one, where the document says so; a wrong type, a value outside
/// its range or set, a blank prompt), naming the field; a body that is not JSON
/// is refused; nothing is created; explicit nulls pass.
async fn the_strict_reader_names_what_it_refuses_and_takes_null_as_absent<P: Provider>() {
    let p = Probe::<P>::new().await;
    let (t, key) = (&p.t, Some(p.fake.api_key()));
    for row in t["strict"].as_array().unwrap() {
        refused::<P>(&p.create(&row[0]).await, &row[1]);
    }
    let raw = p.request("POST", text(&t["create"]), key).body("{not json");
    let raw = raw.header("Content-Type", "application/json");
    refused::<P>(&send(raw).await, &t["not_json"]);
    assert_eq!((p.fake.create_calls(), p.fake.tasks_created()), (6, 0));
    let nulls = p.post(text(&t["create"]), &t["nulls"]).await;
    assert_eq!(nulls.status, 200, "{}", nulls.body);
}

/// Dropping a fake stops its server and frees its port.
async fn dropping_a_fake_stops_its_server<P: Provider>() {
    let fake = Fake::<P>::start().await.unwrap();
    let url = fake.base_url();
    drop(fake);
    tokio::task::yield_now().await;
    assert!(client().get(url).send().await.is_err());
}

/// One test per behaviour and fake, so a red one names both.
macro_rules! for_every_fake {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            use crate::{ark::Ark, seed2::Seed2, seedance2ai::Seedance2ai, xskill::Xskill};
            #[tokio::test] async fn xskill() { super::$test::<Xskill>().await }
            #[tokio::test] async fn seed2() { super::$test::<Seed2>().await }
            #[tokio::test] async fn seedance2ai() { super::$test::<Seedance2ai>().await }
            #[tokio::test] async fn ark() { super::$test::<Ark>().await }
        }
    )+};
}

for_every_fake!(
    a_missing_or_wrong_key_is_refused_and_creates_nothing,
    a_scripted_failure_answers_the_next_authorised_request_once,
    tasks_move_one_step_per_read_and_never_by_time,
    a_scripted_outcome_ends_one_task_and_a_failure_is_refunded_once,
    an_account_that_cannot_pay_is_refused_and_nothing_is_created,
    unknown_tasks_and_routes_are_404s_in_the_api_s_envelope,
    the_strict_reader_names_what_it_refuses_and_takes_null_as_absent,
    dropping_a_fake_stops_its_server,
);
