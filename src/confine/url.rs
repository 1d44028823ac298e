//! `file://` URLs to local paths: host check, exactly one round of
//! percent-decoding, and refusal of anything that could smuggle a traversal.

use std::path::PathBuf;

/// Why a `file:` URL cannot name a local file.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum UrlProblem {
    Malformed(&'static str),
    RemoteHost(String),
    Traversal,
    Nul,
}

impl UrlProblem {
    /// A phrase completing "this root was skipped because ...".
    pub(super) fn describe(&self) -> String {
        match self {
            Self::Malformed(why) => (*why).to_owned(),
            Self::RemoteHost(host) => format!("it names the remote host '{host}'"),
            Self::Traversal => "it contains '..'".to_owned(),
            Self::Nul => "it contains a NUL byte".to_owned(),
        }
    }
}

/// Whether `input` is written as a `file:` URL (scheme is case-insensitive).
pub(super) fn is_file_url(input: &str) -> bool {
    input
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"))
}

/// The local path a `file:` URL names (`file:///p`, `file://localhost/p`, `file:/p`).
pub(super) fn file_url_path(url: &str) -> Result<PathBuf, UrlProblem> {
    let rest = url.get(5..).unwrap_or("");
    let encoded = match rest.strip_prefix("//") {
        Some(after) => {
            let (host, path) = after.split_at(after.find('/').unwrap_or(after.len()));
            if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
                return Err(UrlProblem::RemoteHost(host.to_owned()));
            }
            if path.is_empty() {
                return Err(UrlProblem::Malformed("it has no path after the host"));
            }
            path
        }
        None if rest.starts_with('/') => rest,
        None => {
            return Err(UrlProblem::Malformed(
                "it is not of the form file:///absolute/path",
            ));
        }
    };
    if encoded.contains(['?', '#']) {
        return Err(UrlProblem::Malformed(
            "it contains '?' or '#'; percent-encode them in file names as %3F and %23",
        ));
    }
    let decoded = percent_decode(encoded)?;
    if decoded.contains('\0') {
        return Err(UrlProblem::Nul);
    }
    if decoded.split('/').any(|segment| segment == "..") {
        return Err(UrlProblem::Traversal);
    }
    Ok(PathBuf::from(decoded))
}

/// One round of `%XX` decoding; the result must be UTF-8.
fn percent_decode(encoded: &str) -> Result<String, UrlProblem> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte != b'%' {
            bytes.push(byte);
            rest = tail;
            continue;
        }
        let [hi, lo, after @ ..] = tail else {
            return Err(UrlProblem::Malformed(
                "a '%' is not followed by two hex digits",
            ));
        };
        let (Some(hi), Some(lo)) = (hex(*hi), hex(*lo)) else {
            return Err(UrlProblem::Malformed(
                "a '%' is not followed by two hex digits",
            ));
        };
        bytes.push(hi << 4 | lo);
        rest = after;
    }
    String::from_utf8(bytes)
        .map_err(|_| UrlProblem::Malformed("it is not UTF-8 once percent-decoded"))
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_forms_are_accepted_and_decoded_once() {
        let p = |u| file_url_path(u).map(|p| p.display().to_string());
        assert_eq!(p("file:///a/My%20Clip.mp4"), Ok("/a/My Clip.mp4".into()));
        assert_eq!(p("FILE://LocalHost/a/b.png"), Ok("/a/b.png".into()));
        assert_eq!(p("file:/a/b.png"), Ok("/a/b.png".into()));
        assert_eq!(p("file:///a/%252e%252e/x"), Ok("/a/%2e%2e/x".into()));
        assert_eq!(p("file:///a/%C3%A9t%C3%A9.jpg"), Ok("/a/été.jpg".into()));
    }

    #[test]
    fn tricks_are_refused() {
        let p = file_url_path;
        assert_eq!(
            p("file://evil.com/x"),
            Err(UrlProblem::RemoteHost("evil.com".into()))
        );
        assert_eq!(
            p("file:///a/%2e%2e%2fetc/passwd"),
            Err(UrlProblem::Traversal)
        );
        assert_eq!(p("file:///a/%2E%2E/b"), Err(UrlProblem::Traversal));
        assert_eq!(p("file:///a/../b"), Err(UrlProblem::Traversal));
        assert_eq!(p("file:///a/b%00.png"), Err(UrlProblem::Nul));
        assert!(matches!(p("file:///a/%zz"), Err(UrlProblem::Malformed(_))));
        assert!(matches!(p("file:///a/%4"), Err(UrlProblem::Malformed(_))));
        assert!(matches!(p("file:///a/%ff"), Err(UrlProblem::Malformed(_))));
        assert!(matches!(
            p("file:///a/b?x=1"),
            Err(UrlProblem::Malformed(_))
        ));
        assert!(matches!(
            p("file:relative/x"),
            Err(UrlProblem::Malformed(_))
        ));
        assert!(matches!(
            p("file://localhost"),
            Err(UrlProblem::Malformed(_))
        ));
    }
}
