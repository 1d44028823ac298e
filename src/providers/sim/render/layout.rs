//! Where everything goes and what moves: the clip's layout (title, caption
//! lines, sweeping square, progress bar, timecode) frame by frame, and the
//! drawing of the still.
//!
//! The clip layout is shaped by the encoder: each text line gets macroblock
//! rows of its own and the moving parts move in even, whole-pixel steps, so
//! most macroblocks can be predicted or copied instead of sent raw.

use super::{
    canvas::{Canvas, Palette, Rect},
    font::{GLYPH_HEIGHT, TextLine, chars_fitting, sanitize, text_width, truncate, wrap},
    macroblock::Mv,
};

const TITLE: &str = "SIMULATED";

/// The title scale: as large as suits the frame, shrunk until it fits.
fn title_scale(available: usize, short_side: usize) -> usize {
    let mut scale = (short_side / 60).max(1);
    while scale > 1 && text_width(TITLE.len(), scale) > available {
        scale -= 1;
    }
    scale
}

fn caption_lines(
    caption: &str,
    frame_width: usize,
    ys: &[usize],
    scale: usize,
    margin: usize,
) -> Vec<TextLine> {
    let available = frame_width.saturating_sub(margin * 2);
    let lines = wrap(
        &sanitize(caption),
        chars_fitting(available, scale),
        ys.len(),
    );
    lines
        .into_iter()
        .zip(ys)
        .map(|(glyphs, &y)| TextLine::centred(glyphs, frame_width, y, scale))
        .collect()
}

/// Where everything in a clip goes. Keyframes carry every non-flat
/// macroblock as raw samples, so each text line gets whole macroblock rows
/// of its own rather than straddling a boundary, and the moving parts stay
/// inside single rows so P frames touch few macroblocks.
pub(super) struct ClipLayout {
    pub(super) palette: Palette,
    title: TextLine,
    captions: Vec<TextLine>,
    square_side: usize,
    square_y: usize,
    square_left: usize,
    square_travel: usize,
    bar: Rect,
    timecode: TextLine,
    duration_secs: u32,
}

/// How many macroblock rows an element `px` pixels tall needs, leaving two
/// background rows below it (see `top_of_rows`).
fn mb_rows_for(px: usize) -> usize {
    (px + 2).div_ceil(16).max(1)
}

/// Where an element placed in macroblock row `row` starts: flush with the
/// top, so (given one spare pixel row, see `mb_rows_for`) its last two pixel
/// rows stay background. Those rows, and the 4:2:0 chroma row they share,
/// are the edge the macroblock below predicts from; background there lets
/// it be coded as a flat block instead of raw samples.
fn top_of_rows(row: usize) -> usize {
    row * 16
}

impl ClipLayout {
    pub(super) fn new(
        width: usize,
        height: usize,
        seed: u64,
        caption: &str,
        duration_secs: u32,
    ) -> Self {
        let short = width.min(height);
        let margin = (width / 24).max(2);
        let available = width.saturating_sub(margin * 2);
        let scale = title_scale(available, short);
        let full_rows = (height / 16).max(1);
        let last_row = full_rows - 1;

        let title_h = GLYPH_HEIGHT * scale;
        let title_rows = mb_rows_for(title_h);
        let mut row = full_rows / 8;
        let title_glyphs = truncate(TITLE.as_bytes().to_vec(), chars_fitting(available, scale));
        let title = TextLine::centred(title_glyphs, width, top_of_rows(row), scale);
        row += title_rows;

        let caption_scale = ((scale * 2 + 1) / 3).clamp(1, (short / 160).max(2));
        let caption_h = GLYPH_HEIGHT * caption_scale;
        let caption_rows = mb_rows_for(caption_h);
        // Up to four lines, as room allows: tall frames show more of the prompt.
        let max_lines = (full_rows.saturating_sub(row) / 4).clamp(1, 4);
        let ys: Vec<usize> = (0..max_lines)
            .map(|line| top_of_rows(row + line * caption_rows))
            .collect();
        let captions = caption_lines(caption, width, &ys, caption_scale, margin);
        row += caption_rows * captions.len();

        // Even height and position keep the bar's chroma clean, and it ends
        // two rows above the macroblock edge.
        let bar_h = (short / 60).clamp(2, 4) & !1;
        let bar_y = (last_row * 16 + 14).saturating_sub(bar_h);
        let bar = Rect {
            x: margin,
            y: bar_y,
            w: available,
            h: bar_h,
        };

        // The timecode shares the bar's row when it fits above the bar there.
        let timecode_scale = (scale / 3).max(1);
        let timecode_h = GLYPH_HEIGHT * timecode_scale;
        let timecode_y = if last_row * 16 + timecode_h + 2 <= bar_y {
            last_row * 16
        } else {
            let rows = mb_rows_for(timecode_h);
            top_of_rows(last_row.saturating_sub(rows))
        };
        let timecode = TextLine {
            glyphs: timecode_text(0, duration_secs),
            x: margin,
            y: timecode_y,
            scale: timecode_scale,
        };

        let square_side = ((short / 12) & !1).clamp(6, 14);
        let square_row = (row + timecode_y / 16) / 2;
        let square_y = top_of_rows(square_row);
        let square_travel = width.saturating_sub(margin * 2 + square_side);
        Self {
            palette: Palette::from_seed(seed),
            title,
            captions,
            square_side,
            square_y,
            square_left: margin,
            square_travel,
            bar,
            timecode,
            duration_secs,
        }
    }

    pub(super) fn paint_static(&self, canvas: &mut Canvas) {
        canvas.text(&self.title, self.palette.title);
        for line in &self.captions {
            canvas.text(line, self.palette.caption);
        }
        canvas.fill(self.bar, self.palette.track);
    }

    /// The square sweeps across and back every four seconds.
    fn square(&self, index: u32, fps: u32) -> Rect {
        let half = u64::from(fps.max(1)) * 2;
        let phase = u64::from(index) % (half * 2);
        let along = if phase <= half {
            phase
        } else {
            half * 2 - phase
        };
        let travel = u64::try_from(self.square_travel).unwrap_or(0);
        // Even steps keep the 2x2 chroma grid aligned, so the previous frame
        // shifted by the step reproduces the square exactly (see `motions`).
        let offset = usize::try_from(travel * along / half).unwrap_or(0) & !1;
        Rect {
            x: self.square_left + offset,
            y: self.square_y,
            w: self.square_side,
            h: self.square_side,
        }
    }

    /// The filled part of the progress bar after frame `index`. It grows in
    /// 4-pixel steps: smooth enough to read, yet the macroblock at its tip
    /// changes only every few frames.
    fn bar_fill(&self, index: u32, frame_count: u32) -> Rect {
        let elapsed = u64::from(index) + 1;
        let total = u64::from(frame_count.max(1));
        let full = u64::try_from(self.bar.w).unwrap_or(0);
        let mut filled = full * elapsed / total;
        if elapsed < total {
            filled -= filled % 4;
        }
        Rect {
            w: usize::try_from(filled).unwrap_or(0),
            ..self.bar
        }
    }

    fn timecode(&self, index: u32, fps: u32) -> TextLine {
        TextLine {
            glyphs: timecode_text(index / fps.max(1), self.duration_secs),
            ..self.timecode.clone()
        }
    }

    /// How far things moved since the previous frame, as candidate vectors
    /// for copying whole macroblocks from it.
    pub(super) fn motions(&self, index: u32, fps: u32, frame_count: u32) -> Vec<Mv> {
        let Some(previous) = index.checked_sub(1) else {
            return Vec::new();
        };
        let step = |now: usize, before: usize| {
            let (now, before) = (
                i64::try_from(now).unwrap_or(0),
                i64::try_from(before).unwrap_or(0),
            );
            i32::try_from(now - before).unwrap_or(0)
        };
        let square = step(self.square(index, fps).x, self.square(previous, fps).x);
        let bar = step(
            self.bar_fill(index, frame_count).w,
            self.bar_fill(previous, frame_count).w,
        );
        [square, bar]
            .into_iter()
            .filter(|&dx| dx != 0 && dx % 2 == 0)
            .map(|dx| Mv::shift(dx, 0))
            .collect()
    }

    /// Everything `paint_dynamic` may touch in frame `index`.
    pub(super) fn dynamic_boxes(&self, index: u32, fps: u32) -> Vec<Rect> {
        vec![
            self.square(index, fps),
            self.bar,
            self.timecode(index, fps).bounds(),
        ]
    }

    pub(super) fn paint_dynamic(
        &self,
        canvas: &mut Canvas,
        index: u32,
        fps: u32,
        frame_count: u32,
    ) {
        canvas.fill(self.bar_fill(index, frame_count), self.palette.accent);
        canvas.fill(self.square(index, fps), self.palette.accent);
        canvas.text(&self.timecode(index, fps), self.palette.muted);
    }
}

fn timecode_text(elapsed_secs: u32, total_secs: u32) -> Vec<u8> {
    let clock = |s: u32| format!("{:02}:{:02}", s / 60, s % 60);
    format!("{} / {}", clock(elapsed_secs), clock(total_secs)).into_bytes()
}

pub(super) fn paint_still(canvas: &mut Canvas, palette: &Palette, caption: &str) {
    let (width, height) = (canvas.width, canvas.height);
    let short = width.min(height);
    let margin = (width / 24).max(2);
    let available = width.saturating_sub(margin * 2);
    let scale = title_scale(available, short);
    let title_glyphs = truncate(TITLE.as_bytes().to_vec(), chars_fitting(available, scale));
    let title = TextLine::centred(title_glyphs, width, height * 3 / 10, scale);
    canvas.text(&title, palette.title);
    let rule_w = text_width(TITLE.len(), scale).min(available);
    let rule_y = title.y + GLYPH_HEIGHT * scale + scale * 2;
    canvas.fill(
        Rect {
            x: width.saturating_sub(rule_w) / 2,
            y: rule_y,
            w: rule_w,
            h: scale.max(2),
        },
        palette.accent,
    );
    let caption_scale = ((scale * 2 + 1) / 3).clamp(1, (short / 160).max(2));
    let caption_y = rule_y + scale.max(2) + (height / 20).max(3);
    let pitch = (GLYPH_HEIGHT + 3) * caption_scale;
    let room = height.saturating_sub(caption_y + margin) / pitch.max(1);
    let ys: Vec<usize> = (0..room.clamp(1, 4))
        .map(|line| caption_y + line * pitch)
        .collect();
    for line in caption_lines(caption, width, &ys, caption_scale, margin) {
        canvas.text(&line, palette.caption);
    }
    let frame = (short / 60).max(1);
    for rect in [
        Rect {
            x: 0,
            y: 0,
            w: width,
            h: frame,
        },
        Rect {
            x: 0,
            y: height.saturating_sub(frame),
            w: width,
            h: frame,
        },
        Rect {
            x: 0,
            y: 0,
            w: frame,
            h: height,
        },
        Rect {
            x: width.saturating_sub(frame),
            y: 0,
            w: frame,
            h: height,
        },
    ] {
        canvas.fill(rect, palette.track);
    }
}
