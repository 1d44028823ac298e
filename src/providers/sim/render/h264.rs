//! The H.264 stream: the sequence and picture parameter sets (Constrained
//! Baseline, with VUI) and one slice per picture, coding each macroblock in
//! the first of the ways in `macroblock` that rebuilds it exactly.
//!
//! Motion vector prediction lives here rather than in `macroblock` because
//! it depends on how the neighbours in the same picture were coded, which
//! only the encoder tracks.

use super::{
    bits::{BitWriter, nal_unit},
    macroblock::{MbKind, Mv, copy_reproduces, flat_dc_predicts, write_pcm_samples},
    u32_of,
    yuv::{Geometry, MbPos, Planes},
};

pub(super) const PROFILE_BASELINE: u8 = 66;
/// constraint_set0 and constraint_set1: Baseline and Main decoders both
/// accept it, which is what "Constrained Baseline" means.
pub(super) const CONSTRAINT_FLAGS: u8 = 0xC0;
const LOG2_MAX_FRAME_NUM: u32 = 4;
/// Intra 16x16 DC with no residual, and I_PCM, as numbered in an I slice;
/// a P slice numbers intra types five higher.
const MB_TYPE_I16X16_DC: u32 = 3;
const MB_TYPE_I_PCM: u32 = 25;
const P_INTRA_OFFSET: u32 = 5;

const NAL_SLICE: u8 = 1;
const NAL_IDR: u8 = 5;
const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;

fn median(a: i32, b: i32, c: i32) -> i32 {
    a.max(b).min(a.min(b).max(c))
}

pub(super) struct Encoder {
    geometry: Geometry,
    fps: u32,
    frame_num: u32,
    idr_pic_id: u32,
    kinds: Vec<MbKind>,
}

impl Encoder {
    pub(super) fn new(geometry: Geometry, fps: u32) -> Self {
        Self {
            geometry,
            fps,
            frame_num: 0,
            idr_pic_id: 0,
            kinds: vec![MbKind::Pcm; geometry.mb_count()],
        }
    }

    /// Lowest level whose frame size and macroblock rate fit, but at least
    /// 3.0: raw I_PCM keyframes burst past the bit rate and buffer limits of
    /// the lower levels, and every decoder in use handles 3.0.
    fn level_idc(&self) -> u8 {
        const LEVELS: [(u8, u64, u64); 5] = [
            (30, 40_500, 1_620),
            (31, 108_000, 3_600),
            (32, 216_000, 5_120),
            (40, 245_760, 8_192),
            (42, 522_240, 8_704),
        ];
        let frame = u64::try_from(self.geometry.mb_count()).unwrap_or(u64::MAX);
        let side =
            u64::try_from(self.geometry.mb_cols.max(self.geometry.mb_rows)).unwrap_or(u64::MAX);
        let rate = frame.saturating_mul(u64::from(self.fps));
        LEVELS
            .iter()
            .find(|&&(_, max_rate, max_frame)| {
                frame <= max_frame && rate <= max_rate && side.saturating_mul(side) <= max_frame * 8
            })
            .map_or(42, |&(level, _, _)| level)
    }

    pub(super) fn sps(&self) -> Vec<u8> {
        let g = self.geometry;
        let mut w = BitWriter::new();
        w.bits(u64::from(PROFILE_BASELINE), 8);
        w.bits(u64::from(CONSTRAINT_FLAGS), 8);
        w.bits(u64::from(self.level_idc()), 8);
        w.ue(0); // seq_parameter_set_id
        w.ue(LOG2_MAX_FRAME_NUM - 4);
        // Picture order follows frame_num: no reordering, nothing to signal.
        w.ue(2); // pic_order_cnt_type
        w.ue(1); // max_num_ref_frames
        w.bit(false); // gaps_in_frame_num_value_allowed_flag
        w.ue(u32_of(g.mb_cols.saturating_sub(1)));
        w.ue(u32_of(g.mb_rows.saturating_sub(1)));
        w.bit(true); // frame_mbs_only_flag
        w.bit(true); // direct_8x8_inference_flag
        // Cropping works in 2-pixel units for 4:2:0 progressive frames.
        let crop_right = u32_of((g.coded_width() - g.width) / 2);
        let crop_bottom = u32_of((g.coded_height() - g.height) / 2);
        let cropped = crop_right > 0 || crop_bottom > 0;
        w.bit(cropped);
        if cropped {
            w.ue(0);
            w.ue(crop_right);
            w.ue(0);
            w.ue(crop_bottom);
        }
        w.bit(true); // vui_parameters_present_flag
        self.vui(&mut w);
        nal_unit(3, NAL_SPS, &w.finish())
    }

    /// Tells players the pixel aspect, the colour matrix the samples were
    /// made with and that no frame is ever held back for reordering, so
    /// they neither guess nor buffer.
    fn vui(&self, w: &mut BitWriter) {
        w.bit(true); // aspect_ratio_info_present_flag
        w.bits(1, 8); // aspect_ratio_idc: square pixels
        w.bit(false); // overscan_info_present_flag
        w.bit(true); // video_signal_type_present_flag
        w.bits(5, 3); // video_format: unspecified
        w.bit(false); // video_full_range_flag: limited range
        w.bit(true); // colour_description_present_flag
        w.bits(6, 8); // colour_primaries: SMPTE 170M
        w.bits(6, 8); // transfer_characteristics: SMPTE 170M
        w.bits(6, 8); // matrix_coefficients: BT.601
        w.bit(false); // chroma_loc_info_present_flag
        w.bit(true); // timing_info_present_flag
        w.bits(1, 32); // num_units_in_tick
        w.bits(u64::from(self.fps) * 2, 32); // time_scale: two ticks a frame
        w.bit(true); // fixed_frame_rate_flag
        w.bit(false); // nal_hrd_parameters_present_flag
        w.bit(false); // vcl_hrd_parameters_present_flag
        w.bit(false); // pic_struct_present_flag
        w.bit(true); // bitstream_restriction_flag
        w.bit(true); // motion_vectors_over_pic_boundaries_flag
        w.ue(0); // max_bytes_per_pic_denom
        w.ue(0); // max_bits_per_mb_denom
        w.ue(15); // log2_max_mv_length_horizontal
        w.ue(15); // log2_max_mv_length_vertical
        w.ue(0); // max_num_reorder_frames
        w.ue(1); // max_dec_frame_buffering
    }

    pub(super) fn pps(&self) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.ue(0); // pic_parameter_set_id
        w.ue(0); // seq_parameter_set_id
        w.bit(false); // entropy_coding_mode_flag: CAVLC
        w.bit(false); // bottom_field_pic_order_in_frame_present_flag
        w.ue(0); // num_slice_groups_minus1
        w.ue(0); // num_ref_idx_l0_default_active_minus1
        w.ue(0); // num_ref_idx_l1_default_active_minus1
        w.bit(false); // weighted_pred_flag
        w.bits(0, 2); // weighted_bipred_idc
        w.se(0); // pic_init_qp_minus26
        w.se(0); // pic_init_qs_minus26
        w.se(0); // chroma_qp_index_offset
        // Present so each slice can switch the deblocking filter off: the
        // decoded pictures must equal the drawn ones sample for sample.
        w.bit(true); // deblocking_filter_control_present_flag
        w.bit(false); // constrained_intra_pred_flag
        w.bit(false); // redundant_pic_cnt_present_flag
        nal_unit(3, NAL_PPS, &w.finish())
    }

    /// Codes one picture as a single slice: an IDR I slice, or a P slice in
    /// which each macroblock is, in order of preference, skipped, copied
    /// from the reference at one of the `shifts` the scene moved things by,
    /// predicted flat, or sent raw. Every choice is checked against the
    /// samples it must produce, so the decoded picture is `current` exactly.
    pub(super) fn encode_picture(
        &mut self,
        reference: &Planes,
        current: &Planes,
        changed: &[bool],
        idr: bool,
        shifts: &[Mv],
    ) -> Vec<u8> {
        if idr {
            self.frame_num = 0;
        }
        let mut w = BitWriter::new();
        w.ue(0); // first_mb_in_slice
        w.ue(if idr { 7 } else { 5 }); // slice_type: I or P, every slice alike
        w.ue(0); // pic_parameter_set_id
        w.bits(u64::from(self.frame_num), LOG2_MAX_FRAME_NUM);
        if idr {
            w.ue(self.idr_pic_id);
            // Back-to-back IDR pictures must differ in idr_pic_id.
            self.idr_pic_id = (self.idr_pic_id + 1) % 2;
        } else {
            w.bit(false); // num_ref_idx_active_override_flag
            w.bit(false); // ref_pic_list_modification_flag_l0
        }
        if idr {
            w.bit(false); // no_output_of_prior_pics_flag
            w.bit(false); // long_term_reference_flag
        } else {
            w.bit(false); // adaptive_ref_pic_marking_mode_flag: sliding window
        }
        w.se(0); // slice_qp_delta
        w.ue(1); // disable_deblocking_filter_idc

        let mut skip_run = 0u32;
        for mb in self.geometry.mbs() {
            let kind = if idr {
                if flat_dc_predicts(current, mb) {
                    MbKind::FlatDc
                } else {
                    MbKind::Pcm
                }
            } else {
                let changed = changed.get(mb.index).copied().unwrap_or(true);
                self.choose(reference, current, mb, changed, shifts)
            };
            if let MbKind::Skip(_) = kind {
                skip_run += 1;
                self.set_kind(mb, kind);
                continue;
            }
            if !idr {
                w.ue(skip_run);
                skip_run = 0;
            }
            let intra_offset = if idr { 0 } else { P_INTRA_OFFSET };
            match kind {
                MbKind::Skip(_) => {}
                MbKind::Copy(mv) => {
                    let predicted = self.predicted_mv(mb);
                    w.ue(0); // mb_type P_L0_16x16; one reference, so no ref_idx
                    w.se(mv.x.saturating_sub(predicted.x)); // mvd_l0
                    w.se(mv.y.saturating_sub(predicted.y));
                    w.ue(0); // coded_block_pattern 0 (inter codeNum 0): no residual
                }
                MbKind::FlatDc => {
                    w.ue(MB_TYPE_I16X16_DC + intra_offset);
                    w.ue(0); // intra_chroma_pred_mode: DC
                    w.se(0); // mb_qp_delta
                    self.write_empty_dc_block(&mut w, mb);
                }
                MbKind::Pcm => {
                    w.ue(MB_TYPE_I_PCM + intra_offset);
                    w.align_with_zeros(); // pcm_alignment_zero_bit
                    write_pcm_samples(&mut w, current, mb);
                }
            }
            self.set_kind(mb, kind);
        }
        if skip_run > 0 {
            w.ue(skip_run);
        }
        self.frame_num = (self.frame_num + 1) % (1 << LOG2_MAX_FRAME_NUM);
        if idr {
            nal_unit(3, NAL_IDR, &w.finish())
        } else {
            nal_unit(2, NAL_SLICE, &w.finish())
        }
    }

    fn choose(
        &self,
        reference: &Planes,
        current: &Planes,
        mb: MbPos,
        changed: bool,
        shifts: &[Mv],
    ) -> MbKind {
        let reproduces = |mv: Mv| {
            if mv == Mv::default() {
                !changed
            } else {
                copy_reproduces(reference, current, mb, mv)
            }
        };
        let skip = self.skip_mv(mb);
        if reproduces(skip) {
            return MbKind::Skip(skip);
        }
        if !changed {
            return MbKind::Copy(Mv::default());
        }
        if flat_dc_predicts(current, mb) {
            return MbKind::FlatDc;
        }
        shifts
            .iter()
            .copied()
            .find(|&mv| reproduces(mv))
            .map_or(MbKind::Pcm, MbKind::Copy)
    }

    /// The motion of the macroblock `dc`, `dr` away, decided earlier in this
    /// picture: None if it is outside the picture, Some(None) if intra.
    fn neighbour(&self, mb: MbPos, dc: isize, dr: isize) -> Option<Option<Mv>> {
        let col = mb
            .col
            .checked_add_signed(dc)
            .filter(|&col| col < self.geometry.mb_cols)?;
        let row = mb.row.checked_add_signed(dr)?;
        self.kinds
            .get(row * self.geometry.mb_cols + col)
            .map(|kind| kind.motion())
    }

    /// mvpL0 of clause 8.4.1.3 for a 16x16 partition referring to picture 0.
    fn predicted_mv(&self, mb: MbPos) -> Mv {
        let a = self.neighbour(mb, -1, 0);
        let b = self.neighbour(mb, 0, -1);
        let c = self
            .neighbour(mb, 1, -1)
            .or_else(|| self.neighbour(mb, -1, -1));
        let (b, c) = if b.is_none() && c.is_none() && a.is_some() {
            (a, a)
        } else {
            (b, c)
        };
        // Missing and intra neighbours alike count as refIdx -1, motion 0.
        let [a, b, c] = [a, b, c].map(Option::flatten);
        // Exactly one neighbour using the same reference: take its vector.
        let mut same_reference = [a, b, c].into_iter().flatten();
        if let (Some(only), None) = (same_reference.next(), same_reference.next()) {
            return only;
        }
        let [a, b, c] = [a, b, c].map(Option::unwrap_or_default);
        Mv {
            x: median(a.x, b.x, c.x),
            y: median(a.y, b.y, c.y),
        }
    }

    /// The vector a P_Skip here would use (clause 8.4.1.1).
    fn skip_mv(&self, mb: MbPos) -> Mv {
        let a = self.neighbour(mb, -1, 0);
        let b = self.neighbour(mb, 0, -1);
        let still = Some(Some(Mv::default()));
        if a.is_none() || b.is_none() || a == still || b == still {
            Mv::default()
        } else {
            self.predicted_mv(mb)
        }
    }

    fn set_kind(&mut self, mb: MbPos, kind: MbKind) {
        if let Some(slot) = self.kinds.get_mut(mb.index) {
            *slot = kind;
        }
    }

    fn kind(&self, col: usize, row: usize) -> MbKind {
        self.kinds
            .get(row * self.geometry.mb_cols + col)
            .copied()
            .unwrap_or(MbKind::Pcm)
    }

    /// The Intra16x16DCLevel block with no coefficients: coeff_token for
    /// TotalCoeff 0, whose code depends on nC from the left and upper
    /// neighbours of this picture (clause 9.2.1, table 9-5).
    fn write_empty_dc_block(&self, w: &mut BitWriter, mb: MbPos) {
        let left = (mb.col > 0).then(|| self.kind(mb.col - 1, mb.row).coefficients());
        let above = (mb.row > 0).then(|| self.kind(mb.col, mb.row - 1).coefficients());
        let nc = match (left, above) {
            (Some(a), Some(b)) => (a + b + 1) >> 1,
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => 0,
        };
        match nc {
            0..=1 => w.bits(0b1, 1),
            2..=3 => w.bits(0b11, 2),
            4..=7 => w.bits(0b1111, 4),
            _ => w.bits(0b00_0011, 6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn motion_vector_prediction_follows_clause_8_4_1() {
        let geometry = Geometry::new(64, 48);
        let mut enc = Encoder::new(geometry, 24);
        let set = |enc: &mut Encoder, col, row, kind| enc.set_kind(geometry.mb(col, row), kind);
        let mv = |x| Mv { x, y: 0 };
        // First row and column: a skip always gets the zero vector.
        set(&mut enc, 0, 0, MbKind::Copy(mv(-16)));
        assert_eq!(enc.skip_mv(geometry.mb(1, 0)), Mv::default());
        // Below the first row, B and C fall back to A's motion.
        assert_eq!(enc.predicted_mv(geometry.mb(1, 0)), mv(-16));
        // Only one neighbour refers to the picture: its vector is taken.
        for col in 0..4 {
            set(&mut enc, col, 0, MbKind::Pcm);
        }
        set(&mut enc, 0, 1, MbKind::Copy(mv(-24)));
        assert_eq!(enc.predicted_mv(geometry.mb(1, 1)), mv(-24));
        assert_eq!(enc.skip_mv(geometry.mb(1, 1)), mv(-24));
        // A zero-motion neighbour forces a zero skip vector.
        set(&mut enc, 1, 0, MbKind::Skip(Mv::default()));
        assert_eq!(enc.skip_mv(geometry.mb(1, 1)), Mv::default());
        // Otherwise the median of A, B and C (D standing in for a missing C).
        set(&mut enc, 1, 0, MbKind::Copy(mv(8)));
        set(&mut enc, 2, 0, MbKind::Copy(mv(40)));
        assert_eq!(enc.predicted_mv(geometry.mb(1, 1)), mv(8));
        set(&mut enc, 3, 0, MbKind::Copy(mv(-8)));
        set(&mut enc, 2, 1, MbKind::Copy(mv(16)));
        assert_eq!(
            enc.predicted_mv(geometry.mb(3, 1)),
            mv(16),
            "C is outside: D stands in; median(16, -8, 40)"
        );
    }
}
