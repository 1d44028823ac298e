//! Bounded random-access reading for the parsers.
//!
//! Parsers ask for a few bytes at an offset; a file is read through one 64 KiB
//! window, so walking small headers costs few system calls and a big payload is
//! skipped by arithmetic instead of reading. Two budgets (bytes fetched and header
//! steps) stop a hostile or broken file from making a probe slow: past them the
//! probe fails with [`ProbeError::TooComplex`] instead of carrying on.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::{MediaFormat, ProbeError};

/// Largest single request and the size of the file window.
pub(crate) const WINDOW: usize = 64 * 1024;
/// Most bytes one probe may fetch from a file.
pub(crate) const READ_BUDGET: u64 = 8 * 1024 * 1024;
/// Most headers (boxes, markers, chunks, frames) one probe may visit.
pub(crate) const STEP_BUDGET: u32 = 50_000;

enum Source<'a> {
    File(File),
    Bytes(&'a [u8]),
}

/// One file or byte buffer being probed.
pub(crate) struct Input<'a> {
    source: Source<'a>,
    len: u64,
    label: String,
    format: &'static str,
    window_start: u64,
    window: Vec<u8>,
    fetched: u64,
    steps: u32,
    /// Why a read through a `Stream` was refused, kept for the probe to report.
    refusal: Option<ProbeError>,
}

impl Input<'static> {
    /// Opens a regular file; its length is taken once, from its metadata.
    pub(crate) fn open(path: &Path) -> Result<Self, ProbeError> {
        let label = path.display().to_string();
        let io = |source| ProbeError::Io {
            file: label.clone(),
            source,
        };
        // Looked at before opening: opening a FIFO would block until a writer comes.
        if !std::fs::metadata(path).map_err(io)?.is_file() {
            return Err(ProbeError::NotAFile { file: label });
        }
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(ProbeError::NotAFile { file: label });
        }
        Ok(Self::new(Source::File(file), meta.len(), label))
    }

    /// Reads through a duplicate of an open handle (the caller keeps its own).
    pub(crate) fn from_file(file: &File, label: &str) -> Result<Self, ProbeError> {
        let io = |source| ProbeError::Io {
            file: label.to_owned(),
            source,
        };
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(ProbeError::NotAFile {
                file: label.to_owned(),
            });
        }
        let own = file.try_clone().map_err(io)?;
        Ok(Self::new(Source::File(own), meta.len(), label.to_owned()))
    }
}

impl<'a> Input<'a> {
    /// Wraps bytes already in memory.
    pub(crate) fn bytes(bytes: &'a [u8]) -> Self {
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Self::new(Source::Bytes(bytes), len, "the inline data".to_owned())
    }

    fn new(source: Source<'a>, len: u64, label: String) -> Self {
        Self {
            source,
            len,
            label,
            format: "a media file",
            window_start: 0,
            window: Vec::new(),
            fetched: 0,
            steps: 0,
            refusal: None,
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// Names the format in later error messages.
    pub(crate) fn set_format(&mut self, format: MediaFormat) {
        self.format = format.name();
    }

    /// Up to `n` bytes at `offset` (fewer at the end of the input, none past it).
    /// `n` is capped at [`WINDOW`]; callers never need more at once.
    pub(crate) fn at(&mut self, offset: u64, n: usize) -> Result<&[u8], ProbeError> {
        let n = n.min(WINDOW);
        if offset >= self.len {
            return Ok(&[]);
        }
        let available = usize::try_from(self.len - offset).unwrap_or(usize::MAX);
        let n = n.min(available);
        match &mut self.source {
            Source::Bytes(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                Ok(bytes.get(start..).and_then(|b| b.get(..n)).unwrap_or(&[]))
            }
            Source::File(_) => {
                let in_window = offset >= self.window_start
                    && offset - self.window_start + n as u64 <= self.window.len() as u64;
                if !in_window {
                    self.fill(offset)?;
                }
                let start = usize::try_from(offset - self.window_start).unwrap_or(usize::MAX);
                Ok(self
                    .window
                    .get(start..)
                    .and_then(|b| b.get(..n))
                    .unwrap_or(&[]))
            }
        }
    }

    /// Exactly `n` bytes at `offset`, or [`ProbeError::Truncated`] naming `what`.
    pub(crate) fn exact(&mut self, offset: u64, n: usize, what: &str) -> Result<&[u8], ProbeError> {
        let short = self.at(offset, n)?.len() < n.min(WINDOW);
        if short {
            return Err(self.truncated(format!("{what} is missing")));
        }
        self.at(offset, n)
    }

    fn fill(&mut self, offset: u64) -> Result<(), ProbeError> {
        if self.fetched >= READ_BUDGET {
            return Err(self.too_complex());
        }
        let Source::File(file) = &mut self.source else {
            return Ok(());
        };
        let io = |source| ProbeError::Io {
            file: self.label.clone(),
            source,
        };
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut window = Vec::with_capacity(WINDOW);
        file.take(WINDOW as u64)
            .read_to_end(&mut window)
            .map_err(io)?;
        self.fetched += window.len() as u64;
        self.window_start = offset;
        self.window = window;
        Ok(())
    }

    /// Bytes fetched from the file so far, for tests that check a probe stays
    /// small.
    #[cfg(test)]
    pub(crate) fn fetched(&self) -> u64 {
        self.fetched
    }

    /// Keeps why a crate's read was refused; the crate itself only sees an
    /// `io::Error` (see `stream`).
    pub(crate) fn refuse(&mut self, refusal: ProbeError) {
        self.refusal = Some(refusal);
    }

    /// Why a read through a `Stream` was refused, if one was.
    pub(crate) fn take_refusal(&mut self) -> Option<ProbeError> {
        self.refusal.take()
    }

    /// Counts one visited header against [`STEP_BUDGET`].
    pub(crate) fn step(&mut self) -> Result<(), ProbeError> {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            return Err(self.too_complex());
        }
        Ok(())
    }

    pub(crate) fn truncated(&self, what: impl Into<String>) -> ProbeError {
        ProbeError::Truncated {
            file: self.label.clone(),
            format: self.format,
            what: what.into(),
        }
    }

    pub(crate) fn corrupt(&self, what: impl Into<String>) -> ProbeError {
        ProbeError::Corrupt {
            file: self.label.clone(),
            format: self.format,
            what: what.into(),
        }
    }

    pub(crate) fn too_complex(&self) -> ProbeError {
        ProbeError::TooComplex {
            file: self.label.clone(),
            format: self.format,
            limit: READ_BUDGET,
            steps: STEP_BUDGET,
        }
    }
}

/// `N` bytes of `b` starting at `i`, zeros where `b` is too short (callers read
/// through [`Input::exact`] first, so the zeros are never meaningful).
pub(crate) fn arr<const N: usize>(b: &[u8], i: usize) -> [u8; N] {
    b.get(i..)
        .and_then(|s| s.get(..N))
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .unwrap_or([0; N])
}

pub(crate) fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes(arr(b, i))
}

pub(crate) fn be32(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes(arr(b, i))
}

pub(crate) fn le16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes(arr(b, i))
}

pub(crate) fn le32(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(arr(b, i))
}
