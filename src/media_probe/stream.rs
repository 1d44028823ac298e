//! A std I/O view (`Read`, `BufRead`, `Seek`) of an `Input`, or of one byte range
//! of it, for the crates that read through those traits.
//!
//! Every byte still comes through the input's window and counts against its
//! budgets, so a crate that walks a hostile file is stopped the same way our own
//! parsers are. When the input refuses (budget spent, I/O failure) the crate only
//! sees an `io::Error`; the real [`ProbeError`] is kept in the input
//! (`Input::take_refusal`) so the probe reports it instead of the crate's
//! rewording.

use std::io::{self, BufRead, Read, Seek, SeekFrom};

use super::input::{Input, WINDOW};

pub(crate) struct Stream<'i, 'a> {
    input: &'i mut Input<'a>,
    /// Offset in the input of this stream's byte 0.
    start: u64,
    /// Length of the stream.
    len: u64,
    pos: u64,
}

impl<'i, 'a> Stream<'i, 'a> {
    /// The whole input.
    pub(crate) fn new(input: &'i mut Input<'a>) -> Self {
        let len = input.len();
        Self::range(input, 0, len)
    }

    /// Bytes `[start, end)` of the input, seen as a stream of their own.
    pub(crate) fn range(input: &'i mut Input<'a>, start: u64, end: u64) -> Self {
        Self {
            input,
            start,
            len: end.saturating_sub(start),
            pos: 0,
        }
    }

    fn wanted(&self) -> (u64, usize) {
        let left = self.len.saturating_sub(self.pos);
        let n = usize::try_from(left).unwrap_or(WINDOW).min(WINDOW);
        (self.start.saturating_add(self.pos), n)
    }
}

impl BufRead for Stream<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let (at, n) = self.wanted();
        // Asked twice because a borrow returned from one arm of a match cannot be
        // let go in the other; the second ask is served from the window.
        if let Err(refusal) = self.input.at(at, n).map(|_| ()) {
            let message = refusal.to_string();
            self.input.refuse(refusal);
            return Err(io::Error::other(message));
        }
        self.input
            .at(at, n)
            .map_err(|refusal| io::Error::other(refusal.to_string()))
    }

    fn consume(&mut self, amount: usize) {
        self.pos = self.pos.saturating_add(amount as u64);
    }
}

impl Read for Stream<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), available.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        Ok(n)
    }
}

impl Seek for Stream<'_, '_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        // Seeking never reads: past the end is allowed (reads there give nothing),
        // before the start is an error, as for a file.
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = target;
        Ok(target)
    }
}

/// Symphonia reads through this trait; a stream knows its length and can seek.
impl symphonia_core::io::MediaSource for Stream<'_, '_> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}
