//! Answers the client could not read, kept as files for bug reports.
//!
//! When a provider answers something its dialect cannot decode, the error names a
//! file in `<data folder>/answers/` holding the request line, the status, a few
//! response headers and the body (bounded), with keys, bearer tokens and URL
//! signatures replaced by `[redacted]`, so a user can attach it to a report
//! without leaking a credential. Only the newest [`KEEP`] files stay.

use std::{
    fmt::Write as _,
    fs,
    io::{self, Write as _},
    ops::Range,
    path::{Path, PathBuf},
};

use crate::domain::ProviderId;

/// The folder's name inside the data folder.
pub const FOLDER: &str = "answers";
/// How many kept answers stay; older ones are removed when a new one is written.
pub const KEEP: usize = 50;
/// How much of a body is kept: enough to see its shape, never megabytes.
pub const MAX_BODY: usize = 64 * 1024;
/// What stands where a secret was.
pub const REDACTED: &str = "[redacted]";

/// One undecodable answer and the request it answered.
#[derive(Debug)]
pub struct KeptAnswer<'a> {
    /// Who answered.
    pub provider: ProviderId,
    /// What the request was for (`balance`, `task 123`), as errors name it.
    pub purpose: &'a str,
    /// The request's method.
    pub method: &'a str,
    /// The request's URL; only its path and query are written.
    pub url: &'a reqwest::Url,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Selected response headers.
    pub headers: &'a [(String, String)],
    /// Why it could not be read (the decoder's words).
    pub why: &'a str,
    /// The body as received.
    pub body: &'a [u8],
}

/// Writes `answer` into `dir` (created when missing), with `secrets` and
/// anything that looks like a credential redacted; returns the file's path.
/// Then removes all but the newest [`KEEP`] kept answers.
pub fn keep(dir: &Path, answer: &KeptAnswer<'_>, secrets: &[&str]) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let text = redact(&render(answer), secrets);
    let stem = format!(
        "{}-{}-{}",
        compact_timestamp(crate::clock::unix_now()),
        answer.provider.as_str(),
        slug(answer.purpose)
    );
    let mut attempt = 1;
    let path = loop {
        let name = if attempt == 1 {
            format!("{stem}.txt")
        } else {
            format!("{stem}-{attempt}.txt")
        };
        let path = dir.join(name);
        match private_file(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                break path;
            }
            // Two answers in the same second: number the second one.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    prune(dir, KEEP);
    Ok(path)
}

/// The kept answers in `dir`, oldest first (their names start with the time).
pub fn list(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_kept_answer(p))
        .collect();
    files.sort();
    files
}

/// A file this module wrote: `<digits…>-….txt`.
fn is_kept_answer(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "txt")
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
}

/// Removes the oldest kept answers beyond `keep`; other files are left alone.
fn prune(dir: &Path, keep: usize) {
    let files = list(dir);
    let excess = files.len().saturating_sub(keep);
    for old in files.into_iter().take(excess) {
        // A file another process removed first is gone either way.
        let _ = fs::remove_file(old);
    }
}

/// A new file readable by its owner only (it may hold prompts and task ids).
fn private_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The file's text before redaction.
fn render(answer: &KeptAnswer<'_>) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "seedance-mcp {} could not read this answer and kept it for a bug report.",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        text,
        "Keys, tokens and URL signatures are replaced by {REDACTED}.\n"
    );
    let _ = writeln!(text, "provider: {}", answer.provider.as_str());
    let _ = writeln!(text, "purpose: {}", answer.purpose);
    let _ = writeln!(text, "time: {}", crate::clock::now_rfc3339());
    let target = match answer.url.query() {
        Some(query) => format!("{}?{query}", answer.url.path()),
        None => answer.url.path().to_owned(),
    };
    let _ = writeln!(text, "request: {} {target}", answer.method);
    let _ = writeln!(text, "status: {}", answer.status);
    let _ = writeln!(text, "why: {}", answer.why);
    let _ = writeln!(text, "headers:");
    for (name, value) in answer.headers {
        let _ = writeln!(text, "  {name}: {value}");
    }
    let shown = &answer.body[..answer.body.len().min(MAX_BODY)];
    if shown.len() < answer.body.len() {
        let _ = writeln!(
            text,
            "body (the first {} of {} bytes):",
            shown.len(),
            answer.body.len()
        );
    } else {
        let _ = writeln!(text, "body ({} bytes):", answer.body.len());
    }
    text.push_str(&String::from_utf8_lossy(shown));
    text.push('\n');
    text
}

/// `20260514T103217Z`: sorts by time and is a valid file name everywhere.
fn compact_timestamp(unix: i64) -> String {
    crate::clock::rfc3339(u64::try_from(unix).unwrap_or(0)).replace(['-', ':'], "")
}

/// `task sd2_X/1` → `task-sd2_x-1`: lowercase letters, digits and `_`, at most 40.
fn slug(purpose: &str) -> String {
    let mut slug = String::new();
    for c in purpose.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "answer".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Field and parameter names whose value is a credential, lowercase. A value
/// follows the name after `:` or `=` (JSON, headers, URL queries).
const SECRET_NAMES: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "api_key",
    "apikey",
    "access_token",
    "access-token",
    "refresh_token",
    "id_token",
    "token",
    "secret",
    "client_secret",
    "password",
    "key",
    "signature",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-tos-signature",
    "x-tos-credential",
    "x-tos-security-token",
];

/// Names whose unquoted value runs to the end of the line (`Basic abc`,
/// several cookies), not to the next space.
const WHOLE_LINE: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// `text` with every credential replaced by [`REDACTED`]: each of `secrets`
/// (the configured key), the token after `Bearer`, `sk-…`/`sk_…` keys, and the
/// values of [`SECRET_NAMES`] (JSON members, headers, URL query parameters such
/// as `X-Amz-Signature`).
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut spans: Vec<Range<usize>> = Vec::new();
    for secret in secrets.iter().map(|s| s.trim()) {
        // A very short "key" would blank out ordinary words.
        if secret.len() >= 4 {
            spans.extend(text.match_indices(secret).map(|(at, s)| at..at + s.len()));
        }
    }
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let token_end = |from: usize, extra: &[u8]| {
        bytes[from..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || extra.contains(b)))
            .map_or(bytes.len(), |n| from + n)
    };
    // `Bearer <token>`.
    for (at, word) in lower.match_indices("bearer") {
        let mut from = at + word.len();
        let spaces = bytes[from..]
            .iter()
            .take_while(|b| **b == b' ' || **b == b'\t')
            .count();
        if spaces == 0 {
            continue;
        }
        from += spaces;
        let end = token_end(from, b"-._~+/=");
        if end > from {
            spans.push(from..end);
        }
    }
    // `sk-…` and `sk_…` keys, at the start of a word; the prefix stays readable.
    for (at, _) in lower.match_indices("sk") {
        let starts_word = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric());
        let Some(&dash) = bytes.get(at + 2) else {
            continue;
        };
        if !starts_word || !(dash == b'-' || dash == b'_') {
            continue;
        }
        let from = at + 3;
        let end = token_end(from, b"-_");
        if end - from >= 6 {
            spans.push(from..end);
        }
    }
    for name in SECRET_NAMES {
        for (at, _) in lower.match_indices(name) {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                continue;
            }
            if let Some(value) = value_after(bytes, at + name.len(), WHOLE_LINE.contains(name)) {
                spans.push(value);
            }
        }
    }
    replace(text, spans)
}

/// The value that follows a name ending at `from`: past closing quotes and
/// spaces, a `:` or `=`, spaces and an opening quote. Quoted values end at the
/// closing quote; others at a delimiter (or the line's end for `whole_line`).
fn value_after(bytes: &[u8], from: usize, whole_line: bool) -> Option<Range<usize>> {
    let skip = |mut i: usize, set: &[u8]| {
        while bytes.get(i).is_some_and(|b| set.contains(b)) {
            i += 1;
        }
        i
    };
    let i = skip(from, b"\"'\\ \t");
    if !matches!(bytes.get(i), Some(b':' | b'=')) {
        return None;
    }
    let i = skip(i + 1, b" \t\\");
    let (start, end) = match bytes.get(i) {
        Some(&quote @ (b'"' | b'\'')) => {
            let start = i + 1;
            let end = bytes[start..]
                .iter()
                .position(|b| *b == quote || *b == b'\\' || *b == b'\n')
                .map_or(bytes.len(), |n| start + n);
            (start, end)
        }
        Some(_) => {
            let stop: &[u8] = if whole_line {
                b"\r\n\"'"
            } else {
                b"&,;\"'<>{}[]()#\\ \t\r\n"
            };
            let end = bytes[i..]
                .iter()
                .position(|b| stop.contains(b))
                .map_or(bytes.len(), |n| i + n);
            (i, end)
        }
        None => return None,
    };
    (end > start).then_some(start..end)
}

/// `text` with each span (merged where they overlap) replaced by [`REDACTED`].
fn replace(text: &str, mut spans: Vec<Range<usize>>) -> String {
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for span in spans {
        if span.end <= done {
            continue;
        }
        let start = span.start.max(done);
        // Spans start and end at ASCII bytes or at the ends of a match, so they
        // are character boundaries; `get` keeps that an invariant, not a panic.
        out.push_str(text.get(done..start).unwrap_or_default());
        if span.start >= done {
            out.push_str(REDACTED);
        }
        done = span.end;
    }
    out.push_str(text.get(done..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_credential_is_redacted() {
        let cases = [
            ("key my-configured-key-123 here", "key [redacted] here"),
            (
                "Authorization: Bearer abc.DEF-123",
                "Authorization: [redacted]",
            ),
            (
                "authorization: Basic dXNlcjpwYXNz\nnext",
                "authorization: [redacted]\nnext",
            ),
            (
                "token was bearer xyz789 ok",
                "token was bearer [redacted] ok",
            ),
            (
                "{\"api_key\": \"k-123456\", \"n\": 1}",
                "{\"api_key\": \"[redacted]\", \"n\": 1}",
            ),
            ("{\"apiKey\":\"abcdef\"}", "{\"apiKey\":\"[redacted]\"}"),
            ("x-api-key: zzz999", "x-api-key: [redacted]"),
            ("use sk-abcdef123456 now", "use sk-[redacted] now"),
            ("\"sk_live_ABCDEF1234\"", "\"sk_[redacted]\""),
            (
                "https://cdn/x.mp4?X-Amz-Date=1&X-Amz-Signature=deadbeef&a=b",
                "https://cdn/x.mp4?X-Amz-Date=1&X-Amz-Signature=[redacted]&a=b",
            ),
            (
                "x.mp4?X-Tos-Credential=AK%2F1&X-Tos-Signature=cafe\"",
                "x.mp4?X-Tos-Credential=[redacted]&X-Tos-Signature=[redacted]\"",
            ),
            (
                "{\\\"token\\\":\\\"t0k3n\\\"}",
                "{\\\"token\\\":\\\"[redacted]\\\"}",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                redact(input, &["my-configured-key-123"]),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "{\"usage\":{\"total_tokens\":42,\"completion_tokens\":7}}",
            "the key is in the header; ask (skip) a task",
            "risk-free keyword monkey=1",
            "données: clé ✓",
            "",
        ] {
            assert_eq!(redact(text, &["abc"]), text);
        }
    }

    #[test]
    fn slugs_and_timestamps_make_plain_file_names() {
        assert_eq!(slug("task sd2_X/1"), "task-sd2_x-1");
        assert_eq!(slug("  "), "answer");
        assert_eq!(compact_timestamp(1_778_754_737), "20260514T103217Z");
    }

    #[test]
    fn only_the_newest_answers_stay() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            fs::write(
                dir.path().join(format!("2026010{i}T000000Z-x-balance.txt")),
                "x",
            )
            .unwrap();
        }
        fs::write(dir.path().join("notes.md"), "mine").unwrap();
        prune(dir.path(), 2);
        let left: Vec<String> = list(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            [
                "20260103T000000Z-x-balance.txt",
                "20260104T000000Z-x-balance.txt"
            ]
        );
        assert!(dir.path().join("notes.md").exists());
    }
}
