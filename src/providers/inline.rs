//! Local files sent inside a JSON request body as base64, encoded while the body
//! streams.
//!
//! Owns [`Attachment`] / [`Attachments`] and [`streamed_body`]. A provider that
//! takes `data:` URLs (Ark) serialises its create body with an unforgeable
//! placeholder where each file's base64 belongs; [`streamed_body`] splits the JSON
//! at the placeholders and encodes each file in 48 KiB pieces in between, so a
//! 30 MB image never sits in memory as a 40 MB string. Files are read through the
//! handle opened when they were checked, and one that changed since (length or
//! SHA-256) aborts the body instead of sending something unchecked.

use std::{io, sync::Arc, time::Duration};

use base64::Engine;
use bytes::Bytes;
use futures_util::{StreamExt, stream::BoxStream};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes encoded per piece: a multiple of 3, so only the last piece has padding.
const PIECE: usize = 48 * 1024;

/// Where an attachment's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A checked local file, kept open since the check.
    File(Arc<std::fs::File>),
    /// Bytes that arrived inline (a `data:` URL), already in memory.
    Bytes(Bytes),
}

/// One file to encode in place of its placeholder.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The placeholder in the body (random per request, so no caller can forge it).
    pub token: String,
    /// The bytes.
    pub source: Source,
    /// Length when checked.
    pub len: u64,
    /// SHA-256 when checked.
    pub sha256: [u8; 32],
    /// How the file is named in messages.
    pub label: String,
}

/// The attachments of one request.
#[derive(Debug, Clone, Default)]
pub struct Attachments(pub Vec<Attachment>);

impl Attachments {
    /// True when there is nothing to stream.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a body could not be built.
#[derive(Debug, thiserror::Error)]
pub enum InlineError {
    /// The JSON around the files could not be written.
    #[error("could not encode the request: {0}")]
    Encode(#[from] serde_json::Error),
    /// A checked file can no longer be read.
    #[error("cannot read {label} again: {source}")]
    Reopen {
        /// The file.
        label: String,
        /// What the OS said.
        source: io::Error,
    },
}

/// Length of the base64 text of `len` bytes (with padding).
pub fn base64_len(len: u64) -> u64 {
    len.div_ceil(3) * 4
}

/// A generous whole-request time limit for a body of `len` bytes: the usual API
/// limit plus one second per 512 KiB (a 40 MB body gets about 80 s more).
pub fn send_timeout(api_timeout: Duration, len: u64) -> Duration {
    api_timeout + Duration::from_secs(len / (512 * 1024))
}

/// A POST of `call`'s JSON body with every attachment streamed in place of its
/// placeholder, and the tripwire to look at if sending fails.
pub fn post(
    client: &reqwest::Client,
    call: &super::CreateCall,
    attachments: &Attachments,
    api_timeout: Duration,
) -> Result<(reqwest::RequestBuilder, Tripwire), InlineError> {
    let streamed = streamed_body(serde_json::to_vec(&call.body)?, attachments)?;
    let request = client
        .post(&call.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::CONTENT_LENGTH, streamed.len)
        .timeout(send_timeout(api_timeout, streamed.len))
        .body(streamed.body);
    Ok((request, streamed.changed))
}

/// A body ready to send.
#[derive(Debug)]
pub struct StreamedBody {
    /// The bytes, produced as they are sent.
    pub body: reqwest::Body,
    /// Its exact length (sent as `Content-Length`).
    pub len: u64,
    /// Set when a file turned out to have changed since its check: the body was
    /// cut short on purpose, so the provider cannot have accepted it.
    pub changed: Tripwire,
}

/// Which file, if any, changed while its body streamed.
pub type Tripwire = Arc<std::sync::OnceLock<String>>;

/// The request body: `json` with every placeholder replaced by its file's base64.
pub fn streamed_body(
    json: Vec<u8>,
    attachments: &Attachments,
) -> Result<StreamedBody, InlineError> {
    let changed = Tripwire::default();
    let (stream, len) = body_stream(json, attachments, &changed)?;
    Ok(StreamedBody {
        body: reqwest::Body::wrap_stream(stream),
        len,
        changed,
    })
}

type Pieces = BoxStream<'static, io::Result<Bytes>>;

fn body_stream(
    json: Vec<u8>,
    attachments: &Attachments,
    changed: &Tripwire,
) -> Result<(Pieces, u64), InlineError> {
    let json = Bytes::from(json);
    let mut parts: Vec<Pieces> = Vec::new();
    let mut total = 0_u64;
    let mut at = 0;
    while let Some((start, attachment)) = next_token(&json, at, attachments) {
        let head = json.slice(at..start);
        total += head.len() as u64 + base64_len(attachment.len);
        parts.push(futures_util::stream::once(async move { Ok(head) }).boxed());
        parts.push(encoded(attachment, changed)?);
        at = start + attachment.token.len();
    }
    let tail = json.slice(at..);
    total += tail.len() as u64;
    parts.push(futures_util::stream::once(async move { Ok(tail) }).boxed());
    Ok((futures_util::stream::iter(parts).flatten().boxed(), total))
}

/// The first placeholder at or after `from`, and whose it is.
fn next_token<'a>(
    json: &[u8],
    from: usize,
    attachments: &'a Attachments,
) -> Option<(usize, &'a Attachment)> {
    attachments
        .0
        .iter()
        .filter_map(|a| find(json, a.token.as_bytes(), from).map(|at| (at, a)))
        .min_by_key(|(at, _)| *at)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    if needle.is_empty() {
        return None;
    }
    rest.windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// The attachment's base64, piece by piece, checked against its length and hash.
fn encoded(attachment: &Attachment, changed: &Tripwire) -> Result<Pieces, InlineError> {
    let expected = (attachment.len, attachment.sha256, attachment.label.clone());
    match &attachment.source {
        Source::Bytes(bytes) => {
            // Already in memory: encode in pieces anyway, so the body never holds a
            // second, larger copy.
            let bytes = bytes.clone();
            let pieces = (0..bytes.len().div_ceil(PIECE)).map(move |i| {
                let end = ((i + 1) * PIECE).min(bytes.len());
                Ok(Bytes::from(
                    base64::engine::general_purpose::STANDARD.encode(&bytes[i * PIECE..end]),
                ))
            });
            Ok(futures_util::stream::iter(pieces).boxed())
        }
        Source::File(file) => {
            let own = file.try_clone().map_err(|source| InlineError::Reopen {
                label: attachment.label.clone(),
                source,
            })?;
            let reader = Reader {
                file: tokio::fs::File::from_std(own),
                hasher: Sha256::new(),
                read: 0,
                started: false,
                done: false,
                expected,
                changed: changed.clone(),
            };
            Ok(futures_util::stream::try_unfold(reader, Reader::piece).boxed())
        }
    }
}

struct Reader {
    file: tokio::fs::File,
    hasher: Sha256,
    read: u64,
    started: bool,
    done: bool,
    expected: (u64, [u8; 32], String),
    changed: Tripwire,
}

impl Reader {
    async fn piece(mut self) -> io::Result<Option<(Bytes, Self)>> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            // The handle may be shared with an earlier read: always start at 0.
            self.file.seek(io::SeekFrom::Start(0)).await?;
            self.started = true;
        }
        let mut buf = vec![0_u8; PIECE];
        let mut filled = 0;
        while filled < PIECE {
            let n = self.file.read(&mut buf[filled..]).await?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        self.read += filled as u64;
        self.hasher.update(&buf);
        let (len, sha, _) = &self.expected;
        if self.read > *len {
            return Err(self.trip());
        }
        if filled < PIECE {
            let digest: [u8; 32] = self.hasher.clone().finalize().into();
            if self.read != *len || digest != *sha {
                return Err(self.trip());
            }
            self.done = true;
        }
        let text = base64::engine::general_purpose::STANDARD.encode(&buf);
        Ok(Some((Bytes::from(text), self)))
    }
}

impl Reader {
    fn trip(&self) -> io::Error {
        let message = format!(
            "{} changed after it was checked; nothing unchecked is sent",
            self.expected.2
        );
        let _ = self.changed.set(message.clone());
        io::Error::other(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(mut stream: Pieces) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        }
        Ok(out)
    }

    fn attachment(token: &str, bytes: &[u8], file: std::fs::File) -> Attachment {
        Attachment {
            token: token.into(),
            source: Source::File(Arc::new(file)),
            len: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
            label: "a.png".into(),
        }
    }

    #[tokio::test]
    async fn placeholders_become_the_files_base64_with_an_exact_length() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..200_003_u32).map(|i| (i % 251) as u8).collect();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let atts = Attachments(vec![
            attachment("TOKEN-A", &bytes, file),
            Attachment {
                token: "TOKEN-B".into(),
                source: Source::Bytes(Bytes::from_static(b"hi!!")),
                len: 4,
                sha256: Sha256::digest(b"hi!!").into(),
                label: "data".into(),
            },
        ]);
        let json = br#"{"a":"data:x;base64,TOKEN-A","b":"TOKEN-B","c":"TOKEN-A"}"#.to_vec();
        let (body, len) = body_stream(json, &atts, &Tripwire::default()).unwrap();
        let sent = collect(body).await.unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let expected = format!(r#"{{"a":"data:x;base64,{b64}","b":"aGkhIQ==","c":"{b64}"}}"#);
        assert_eq!(sent.len() as u64, len);
        assert!(sent == expected.as_bytes(), "body differs");
    }

    #[tokio::test]
    async fn a_file_changed_after_its_check_aborts_the_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, b"checked bytes").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let atts = Attachments(vec![attachment("T", b"checked bytes", file)]);
        std::fs::write(&path, b"swapped bytes").unwrap();
        let tripwire = Tripwire::default();
        let (body, _) = body_stream(b"[\"T\"]".to_vec(), &atts, &tripwire).unwrap();
        let err = collect(body).await.unwrap_err();
        assert!(err.contains("changed after it was checked"), "{err}");
        assert!(tripwire.get().is_some());
    }
}
