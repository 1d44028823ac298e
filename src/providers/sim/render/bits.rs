//! Bit-level H.264 syntax: the RBSP bit writer with its Exp-Golomb codes,
//! and the NAL unit wrapping (emulation prevention bytes, then the 4-byte
//! length prefix MP4 samples carry instead of start codes).
//!
//! Kept apart from `h264` so these building blocks can be checked against
//! the spec on their own.

use super::u32_of;

/// Accumulates an RBSP most significant bit first.
pub(super) struct BitWriter {
    bytes: Vec<u8>,
    current: u8,
    used: u32,
}

impl BitWriter {
    pub(super) fn new() -> Self {
        Self {
            bytes: Vec::new(),
            current: 0,
            used: 0,
        }
    }

    pub(super) fn bit(&mut self, on: bool) {
        self.current = (self.current << 1) | u8::from(on);
        self.used += 1;
        if self.used == 8 {
            self.bytes.push(self.current);
            self.current = 0;
            self.used = 0;
        }
    }

    pub(super) fn bits(&mut self, value: u64, count: u32) {
        for shift in (0..count.min(64)).rev() {
            self.bit((value >> shift) & 1 == 1);
        }
    }

    /// Unsigned Exp-Golomb, ue(v).
    pub(super) fn ue(&mut self, value: u32) {
        let code = u64::from(value) + 1;
        let len = 64 - code.leading_zeros();
        self.bits(0, len - 1);
        self.bits(code, len);
    }

    /// Signed Exp-Golomb, se(v).
    pub(super) fn se(&mut self, value: i32) {
        let magnitude = value.unsigned_abs();
        let code = if value > 0 {
            magnitude.saturating_mul(2) - 1
        } else {
            magnitude.saturating_mul(2)
        };
        self.ue(code);
    }

    pub(super) fn align_with_zeros(&mut self) {
        while self.used != 0 {
            self.bit(false);
        }
    }

    pub(super) fn bytes(&mut self, data: &[u8]) {
        if self.used == 0 {
            self.bytes.extend_from_slice(data);
        } else {
            for &byte in data {
                self.bits(u64::from(byte), 8);
            }
        }
    }

    /// rbsp_trailing_bits(): the stop bit, then zeros to the byte boundary.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.bit(true);
        self.align_with_zeros();
        self.bytes
    }
}
/// Wraps an RBSP in a NAL unit, inserting emulation prevention bytes so no
/// start code pattern appears inside it.
pub(super) fn nal_unit(ref_idc: u8, kind: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 2);
    out.push(((ref_idc & 3) << 5) | (kind & 0x1F));
    let mut zeros = 0;
    for &byte in rbsp {
        if zeros >= 2 && byte <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(byte);
        zeros = if byte == 0 { zeros + 1 } else { 0 };
    }
    if zeros > 0 {
        out.push(3);
    }
    out
}

pub(super) fn length_prefixed(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len() + 4);
    out.extend_from_slice(&u32_of(nal.len()).to_be_bytes());
    out.extend_from_slice(nal);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_codes_and_emulation_prevention_follow_the_spec() {
        let mut w = BitWriter::new();
        w.ue(0); // 1
        w.ue(1); // 010
        w.ue(3); // 00100
        w.se(-1); // 011
        w.se(1); // 010, then the stop bit
        assert_eq!(w.finish(), [0b1010_0010, 0b0011_0101]);
        assert_eq!(
            nal_unit(3, 7, &[0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0]),
            [0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 3, 0, 0, 3]
        );
    }
}
