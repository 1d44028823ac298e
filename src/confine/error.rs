//! Why a local path may not be read, worded for the person who typed it: the
//! path as given, the rule, and what to do. Messages never quote file contents.

/// A path the server refuses to read.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    /// An empty string.
    #[error("the path is empty; pass the absolute path of a media file")]
    Empty,
    /// A NUL byte, which no real path contains.
    #[error("{input} contains a NUL byte, which no real path has; pass the file's absolute path")]
    NulByte {
        /// The path as given, quoted and escaped.
        input: String,
    },
    /// A `~` path, which only a shell expands.
    #[error(
        "{input} starts with ~, which this server does not expand; use an absolute path such as /home/you/clip.mp4"
    )]
    Tilde {
        /// The path as given, quoted and escaped.
        input: String,
    },
    /// A relative path with no folder to resolve it against.
    #[error(
        "{input} is a relative path and there is no folder to resolve it against; use an absolute path"
    )]
    Relative {
        /// The path as given, quoted and escaped.
        input: String,
    },
    /// A `file:` URL that does not name a local path.
    #[error(
        "{input} is not a usable file URL: {why}; use file:///absolute/path or a plain absolute path"
    )]
    BadUrl {
        /// The URL as given, quoted and escaped.
        input: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A `file:` URL naming another machine.
    #[error(
        "{input} names the host '{host}'; only local files can be read (file:///path or file://localhost/path)"
    )]
    RemoteHost {
        /// The URL as given, quoted and escaped.
        input: String,
        /// The host part of the URL.
        host: String,
    },
    /// `..` in a `file:` URL, typed or percent-encoded.
    #[error(
        "{input} contains '..' once percent-decoded; pass the file's real absolute path without '..'"
    )]
    Traversal {
        /// The URL as given, quoted and escaped.
        input: String,
    },
    /// A path through a folder (or to a file) that holds credentials.
    #[error(
        "{input} goes through '{component}', which holds credentials; this server never reads there. \
         Copy the media file to an ordinary folder inside one of: {roots}"
    )]
    Credential {
        /// The path as given, quoted and escaped.
        input: String,
        /// The offending path component, e.g. `.ssh`.
        component: String,
        /// The allowed folders, listed for the fix.
        roots: String,
    },
    /// No allowed folder at all.
    #[error(
        "this server has no allowed folders, so it cannot read {input}; the client sent no MCP roots and \
         SEEDANCE_ALLOWED_DIRS is empty. Set SEEDANCE_ALLOWED_DIRS to the folders that hold your media"
    )]
    NoRoots {
        /// The path as given, quoted and escaped.
        input: String,
    },
    /// The path does not exist or cannot be looked up.
    #[error("{input} cannot be opened ({reason}); check the path")]
    Missing {
        /// The path as given, quoted and escaped.
        input: String,
        /// What the operating system said.
        reason: String,
    },
    /// The real location lies outside every allowed folder.
    #[error(
        "{input}{resolved} is outside the allowed folders; move the file into one of: {roots}, \
         or set SEEDANCE_ALLOWED_DIRS"
    )]
    Outside {
        /// The path as given, quoted and escaped.
        input: String,
        /// `" (really /x/y)"` when links lead elsewhere, else empty.
        resolved: String,
        /// The allowed folders.
        roots: String,
    },
    /// A folder, device, pipe or socket.
    #[error(
        "{input} is {what}, not a regular file; pass the path of an image, video or audio file"
    )]
    NotAFile {
        /// The path as given, quoted and escaped.
        input: String,
        /// What it is instead, e.g. `a folder`.
        what: &'static str,
    },
}

/// How an input path appears in messages: quoted, control characters escaped,
/// and cut short if very long, so a hostile string cannot forge a message.
pub(super) fn shown(input: &str) -> String {
    const MAX_CHARS: usize = 300;
    let escaped: String = input
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    let more = if input.chars().nth(MAX_CHARS).is_some() {
        "…"
    } else {
        ""
    };
    format!("'{escaped}{more}'")
}
