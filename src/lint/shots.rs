//! Finding timed shots (`0-3s: slow push in`) in a prompt.
//!
//! Agents write them many ways: `0-3s:`, `- 0–3 s:`, `[3-6s]`, `**6~9s**:`,
//! `0-3秒：`. A line that does not start with such a range is prose, not a shot.

/// One timed shot.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    /// Start, in seconds.
    pub start: f64,
    /// End, in seconds.
    pub end: f64,
    /// The range as written, for messages.
    pub text: String,
}

/// The timed shots of a prompt, in the order written.
pub fn timed_shots(prompt: &str) -> Vec<Shot> {
    prompt.lines().filter_map(shot_of_line).collect()
}

fn shot_of_line(line: &str) -> Option<Shot> {
    let rest = line.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '*' | '•' | '[' | '(' | '#' | '>')
    });
    let (start, rest) = number(rest)?;
    let rest = seconds_unit(rest.trim_start()).trim_start();
    let rest = rest.strip_prefix(['-', '–', '—', '~', '～'])?.trim_start();
    let (end, rest) = number(rest)?;
    let unit_rest = rest.trim_start();
    let after_unit = seconds_unit(unit_rest);
    if after_unit.len() == unit_rest.len() {
        return None; // "3-5 apples" is not a shot: the unit is required after the end.
    }
    let closed = after_unit.trim_start_matches('*').starts_with([']', ')']);
    let after = after_unit.trim_start_matches(['*', ']', ')', ' ']);
    // `[6-8s] close up` is closed by its bracket; otherwise a separator must follow.
    if !closed && !after.is_empty() && !after.starts_with([':', '：', '-', '–', '—', '|']) {
        return None;
    }
    let consumed = line.len() - after.len();
    let text = line[..consumed]
        .trim()
        .trim_start_matches(['-', '*', '•', '[', '(', '#', '>', ' '])
        .trim_end_matches(['*', ']', ')', ' '])
        .to_owned();
    Some(Shot { start, end, text })
}

/// A non-negative decimal number at the start of `text`, and what follows it.
fn number(text: &str) -> Option<(f64, &str)> {
    let len = text
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    let value = text[..len].parse().ok()?;
    Some((value, &text[len..]))
}

/// Skips a seconds unit (`s`, `sec`, `secs`, `seconds`, `秒`) if present.
fn seconds_unit(text: &str) -> &str {
    for unit in ["seconds", "second", "secs", "sec", "s", "秒"] {
        if let Some(rest) = text.strip_prefix(unit) {
            // "0-3 sunrise" must not read as "0-3 s".
            if !rest.starts_with(|c: char| c.is_alphabetic()) || unit == "秒" {
                return rest;
            }
        }
    }
    text
}
