//! `@image_file_N`-style references in prompts: finding them (to check they point
//! at real entries) and rewriting them for providers that spell them differently.
//!
//! Our prompts use xskill's spelling (`@image_file_1`, `@video_file_1`,
//! `@audio_file_1`, and the legacy `@图片1` / `@视频1` / `@音频1`). Ark expects
//! "[Image 1]"-style words; seedance2ai.io asks for plain language.

/// Kinds of media a prompt can point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// `image_files`.
    Image,
    /// `video_files`.
    Video,
    /// `audio_files`.
    Audio,
}

impl MediaKind {
    /// The argument holding this kind.
    pub fn list_field(self) -> &'static str {
        match self {
            Self::Image => "image_files",
            Self::Video => "video_files",
            Self::Audio => "audio_files",
        }
    }
}

/// Every spelling of a reference, English and the legacy Chinese one.
const TOKENS: &[(&str, MediaKind)] = &[
    ("image_file_", MediaKind::Image),
    ("video_file_", MediaKind::Video),
    ("audio_file_", MediaKind::Audio),
    ("图片", MediaKind::Image),
    ("视频", MediaKind::Video),
    ("音频", MediaKind::Audio),
];

/// One reference: where it is in the prompt, what it points at, how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    start: usize,
    end: usize,
    kind: MediaKind,
    number: usize,
}

fn scan(prompt: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for (at, _) in prompt.match_indices('@') {
        let Some(rest) = prompt.get(at + 1..) else {
            continue;
        };
        for (token, kind) in TOKENS {
            if let Some(after) = rest.strip_prefix(token) {
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(number) = digits.parse::<usize>() {
                    let end = at + 1 + token.len() + digits.len();
                    found.push(Found {
                        start: at,
                        end,
                        kind: *kind,
                        number,
                    });
                }
            }
        }
    }
    found
}

/// Every reference in the prompt: kind, number (1-based as written), and the text.
pub fn find(prompt: &str) -> Vec<(MediaKind, usize, String)> {
    scan(prompt)
        .into_iter()
        .map(|f| {
            (
                f.kind,
                f.number,
                prompt.get(f.start..f.end).unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The prompt with every reference replaced by `spell(kind, number)`.
pub fn rewrite(prompt: &str, spell: impl Fn(MediaKind, usize) -> String) -> String {
    let mut out = String::with_capacity(prompt.len());
    let mut copied = 0;
    for f in scan(prompt) {
        out.push_str(prompt.get(copied..f.start).unwrap_or_default());
        out.push_str(&spell(f.kind, f.number));
        copied = f.end;
    }
    out.push_str(prompt.get(copied..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_in_both_spellings() {
        let found = find("@image_file_2 meets @图片1 to @audio_file_10; mail me@home");
        assert_eq!(
            found,
            vec![
                (MediaKind::Image, 2, "@image_file_2".to_owned()),
                (MediaKind::Image, 1, "@图片1".to_owned()),
                (MediaKind::Audio, 10, "@audio_file_10".to_owned()),
            ]
        );
    }

    #[test]
    fn rewriting_keeps_the_rest_of_the_prompt() {
        let spelled = rewrite("@image_file_1 dances to @音频1.", |kind, n| {
            format!("[{kind:?} {n}]")
        });
        assert_eq!(spelled, "[Image 1] dances to [Audio 1].");
        assert_eq!(rewrite("no refs", |_, _| String::new()), "no refs");
    }
}
