//! A std I/O view (`Read`, `BufRead`, `Seek`) of an `Input`, for the crates that
//! read through those traits.
//!
//! Every byte still comes through the input's window and counts against its
//! budgets, so a crate that walks a hostile file is stopped the same way our own
//! parsers are. When the input refuses (budget spent, I/O failure) the crate only
//! sees an `io::Error`; the real [`ProbeError`] is kept here so the caller can
//! report it instead of the crate's rewording.

use std::io::{self, BufRead, Read, Seek, SeekFrom};

use super::ProbeError;
use super::input::{Input, WINDOW};

pub(crate) struct Stream<'i, 'a> {
    input: &'i mut Input<'a>,
    pos: u64,
    failure: Option<ProbeError>,
}

impl<'i, 'a> Stream<'i, 'a> {
    pub(crate) fn new(input: &'i mut Input<'a>) -> Self {
        Self {
            input,
            pos: 0,
            failure: None,
        }
    }

    /// Why the input refused a read, if it did.
    pub(crate) fn take_failure(&mut self) -> Option<ProbeError> {
        self.failure.take()
    }
}

impl BufRead for Stream<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self.input.at(self.pos, WINDOW) {
            Ok(bytes) => Ok(bytes),
            Err(e) => {
                let message = e.to_string();
                self.failure = Some(e);
                Err(io::Error::other(message))
            }
        }
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
            SeekFrom::End(delta) => self.input.len().checked_add_signed(delta),
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
