//! The prompt linter: what `submit_task` and its dry run check in a prompt beyond
//! the asset references ([`crate::validate`] does those).
//!
//! Errors are mistakes that would waste the money (a storyboard whose timed shots
//! overlap, run backwards or do not fill the clip); warnings are known causes of
//! failed or disappointing generations, returned beside the result so the agent
//! can tell the user, but not blocking.

mod shots;

pub use shots::{Shot, timed_shots};

use crate::domain::{Generation, GenerationRequest, ValidationError, VideoInputs};

/// Words past which Ark's documents say prompts stop helping (500 Chinese
/// characters or 1000 English words); other providers share the model.
const RECOMMENDED_MAX_WORDS: usize = 1000;
/// The CJK counterpart of [`RECOMMENDED_MAX_WORDS`].
const RECOMMENDED_MAX_CJK_CHARS: usize = 500;
/// More characters than this in one clip tend to swap faces and identities.
const MAX_CHARACTERS: u32 = 3;

/// Checks a validated request's prompt: `Err` for mistakes, `Ok(warnings)` otherwise.
pub fn lint(request: &GenerationRequest) -> Result<Vec<String>, ValidationError> {
    let Generation::Video(video) = &request.generation else {
        return Ok(text_warnings(prompt_of(request)));
    };
    let mut warnings = Vec::new();
    check_storyboard(&video.prompt, video.duration, &mut warnings)?;
    warnings.extend(text_warnings(&video.prompt));
    let has_reference_images = match &video.inputs {
        VideoInputs::Omni { images, .. } => !images.is_empty(),
        VideoInputs::Frames { first, .. } => first.is_some(),
    };
    if has_reference_images && mentions_real_people(&video.prompt) {
        warnings.push(
            "The prompt suggests real people in the reference images: providers reject references \
             with realistic human faces (often minutes after queueing, as `face_detected`). Use \
             illustrated or stylised characters, or the provider's approved-person assets."
                .to_owned(),
        );
    }
    if let Some(count) = character_count(&video.prompt).filter(|n| *n > MAX_CHARACTERS) {
        warnings.push(format!(
            "The prompt has about {count} characters in one clip; with more than {MAX_CHARACTERS} \
             faces and identities tend to swap. Keep {MAX_CHARACTERS} or fewer on screen and give \
             each a distinct look."
        ));
    }
    Ok(warnings)
}

fn prompt_of(request: &GenerationRequest) -> &str {
    match &request.generation {
        Generation::Video(v) => &v.prompt,
        Generation::Image(i) => &i.prompt,
    }
}

/// Timed shots must run in order from 0 without overlapping and end at `duration`.
fn check_storyboard(
    prompt: &str,
    duration: u8,
    warnings: &mut Vec<String>,
) -> Result<(), ValidationError> {
    let shots = timed_shots(prompt);
    let Some(last) = shots.last() else {
        return Ok(());
    };
    let fail = |problem: String, fix: String| Err(ValidationError::new("prompt", problem, fix));
    let mut previous_end = 0.0_f64;
    for (n, shot) in shots.iter().enumerate() {
        let label = format!("timed shot {} (`{}`)", n + 1, shot.text);
        if shot.end <= shot.start {
            return fail(
                format!("{label} ends before it starts"),
                "write each shot as `start-end s:` with end after start, e.g. `0-3s:`".into(),
            );
        }
        if n == 0 && shot.start > 0.0 {
            warnings.push(format!(
                "The first timed shot starts at {} s; nothing describes 0-{} s.",
                shot.start, shot.start
            ));
        } else if shot.start < previous_end {
            return fail(
                format!(
                    "{label} starts at {} s, before the previous shot ends at {previous_end} s",
                    shot.start
                ),
                format!(
                    "list shots in time order without overlap: start this one at {previous_end} s"
                ),
            );
        } else if shot.start > previous_end {
            warnings.push(format!(
                "Timed shots leave {previous_end}-{} s undescribed; the model will improvise there.",
                shot.start
            ));
        }
        previous_end = shot.end;
    }
    let duration = f64::from(duration);
    if (last.end - duration).abs() > f64::EPSILON {
        return fail(
            format!(
                "the timed shots end at {} s but `duration` is {duration} s",
                last.end
            ),
            format!(
                "make the last shot end at {duration} s, or set `duration` to {} (4-15)",
                last.end.ceil()
            ),
        );
    }
    Ok(())
}

/// Warnings every model shares: long prompts and text rendered in the picture.
fn text_warnings(prompt: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let cjk = prompt.chars().filter(|c| is_cjk(*c)).count();
    let words = prompt.split_whitespace().count();
    if cjk > RECOMMENDED_MAX_CJK_CHARS || words > RECOMMENDED_MAX_WORDS {
        warnings.push(format!(
            "The prompt is long ({words} words, {cjk} CJK characters); past about \
             {RECOMMENDED_MAX_WORDS} words or {RECOMMENDED_MAX_CJK_CHARS} Chinese characters the \
             model ignores details. Keep what the camera sees and cut the rest."
        ));
    }
    if asks_for_text(prompt) {
        warnings.push(
            "The prompt asks for written text in the picture (a sign, caption or logo words; even \
             \"no text\" names it): generated lettering is often garbled. Leave it out of the prompt \
             entirely and add text in editing, or keep it to one or two short words."
                .to_owned(),
        );
    }
    warnings
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Lower-case words of the prompt, punctuation stripped.
fn words(prompt: &str) -> Vec<String> {
    prompt
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn asks_for_text(prompt: &str) -> bool {
    let words = words(prompt);
    let textual = [
        "caption",
        "captions",
        "subtitle",
        "subtitles",
        "headline",
        "lettering",
        "slogan",
        "typography",
        "text",
    ];
    let quoted_words = prompt.contains("saying \"")
        || prompt.contains("reads \"")
        || prompt.contains("that says")
        || prompt.contains("with the words");
    // "no text" and "without captions" count too: the model draws what the prompt
    // names, negated or not, so the skill says to leave the subject out entirely.
    let asked = words.iter().any(|w| textual.contains(&w.as_str()));
    quoted_words || asked
}

fn mentions_real_people(prompt: &str) -> bool {
    let words = words(prompt);
    let has = |w: &str| words.iter().any(|x| x == w);
    let pairs = [
        ("real", "person"),
        ("real", "people"),
        ("photo", "of"),
        ("my", "face"),
    ];
    has("photorealistic") && (has("person") || has("face") || has("man") || has("woman"))
        || has("celebrity")
        || has("selfie")
        || has("headshot")
        || has("portrait") && (has("real") || has("photo"))
        || pairs
            .iter()
            .any(|(a, b)| words.windows(2).any(|w| w[0] == *a && w[1] == *b))
}

/// "five friends", "4 characters": the largest count of people the prompt names.
fn character_count(prompt: &str) -> Option<u32> {
    let numbers = [
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
    ];
    let people = [
        "people",
        "persons",
        "characters",
        "friends",
        "men",
        "women",
        "kids",
        "children",
        "girls",
        "boys",
        "dancers",
        "players",
        "soldiers",
        "students",
        "workers",
        "baristas",
        "chefs",
        "waiters",
        "waitresses",
        "singers",
        "actors",
        "athletes",
        "runners",
        "nurses",
        "doctors",
        "teenagers",
        "adults",
        "guests",
        "customers",
        "monks",
        "knights",
        "warriors",
        "pirates",
        "astronauts",
        "villagers",
        "brothers",
        "sisters",
        "teachers",
        "farmers",
        "cowboys",
        "ninjas",
    ];
    // Roles named by these endings are people too: guitarists, musicians, baristas.
    let is_people = |word: &str| {
        people.contains(&word)
            || ["ists", "istas", "ians"]
                .iter()
                .any(|end| word.len() > end.len() + 2 && word.ends_with(end))
    };
    let words = words(prompt);
    words
        .windows(2)
        .filter(|pair| is_people(pair[1].as_str()))
        .filter_map(|pair| {
            pair[0].parse::<u32>().ok().or_else(|| {
                numbers
                    .iter()
                    .find(|(word, _)| *word == pair[0])
                    .map(|(_, n)| *n)
            })
        })
        .max()
}

#[cfg(test)]
mod tests;
