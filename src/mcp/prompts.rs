//! MCP prompts: the storyboard workflow for clients that have no skills folder.
//!
//! The `storyboard` prompt turns an idea, a length, a ratio and a style into the
//! same step-by-step plan the skill teaches, with the shot timings already laid
//! out for the requested length, so the agent starts from a storyboard that the
//! prompt linter will accept.

use rmcp::{
    ErrorData,
    handler::server::wrapper::Parameters,
    model::{GetPromptResult, PromptMessage, Role},
    prompt, prompt_router,
};
use schemars::JsonSchema;
use serde::Deserialize;

use super::SeedanceServer;
use crate::domain::Ratio;

/// Arguments of the `storyboard` prompt (strings on the wire, as MCP prompts have).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct StoryboardArgs {
    /// What the video is about, in a sentence ("a 15-second ad for our cold brew").
    pub idea: String,
    /// Clip length in seconds, 4 to 15 (default 10).
    #[serde(default)]
    pub duration: Option<String>,
    /// Aspect ratio: 16:9, 9:16, 1:1, 4:3, 3:4 or 21:9 (default 16:9).
    #[serde(default)]
    pub ratio: Option<String>,
    /// Look and mood ("warm film grain, golden hour"); optional.
    #[serde(default)]
    pub style: Option<String>,
}

#[prompt_router(vis = "pub(super)")]
impl SeedanceServer {
    /// The storyboard workflow: idea → timed shots → dry run → submit once → wait → deliver.
    #[prompt(
        name = "storyboard",
        description = "Plan and make one Seedance clip from an idea: five dimensions, timed shots laid out \
                       for the length, a dry run showing the cost, one submit, waiting, delivery."
    )]
    async fn storyboard(
        &self,
        Parameters(args): Parameters<StoryboardArgs>,
    ) -> Result<GetPromptResult, ErrorData> {
        let text = storyboard_text(&args).map_err(|e| ErrorData::invalid_params(e, None))?;
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("Seedance storyboard workflow"),
        )
    }
}

/// The prompt text, or which argument is wrong.
pub fn storyboard_text(args: &StoryboardArgs) -> Result<String, String> {
    let idea = args.idea.trim();
    if idea.is_empty() {
        return Err("`idea` is empty: say in a sentence what the video is about".to_owned());
    }
    let duration = match args.duration.as_deref().map(str::trim) {
        None | Some("") => 10,
        Some(text) => text
            .trim_end_matches('s')
            .parse::<u8>()
            .ok()
            .filter(|d| (4..=15).contains(d))
            .ok_or_else(|| format!("`duration` is {text:?}: give whole seconds from 4 to 15"))?,
    };
    let ratio = match args.ratio.as_deref().map(str::trim) {
        None | Some("") => Ratio::Landscape16x9,
        Some(text) => Ratio::parse(text)
            .ok_or_else(|| format!("`ratio` is {text:?}: use one of {}", Ratio::allowed()))?,
    };
    let style = args
        .style
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or_else(String::new, |s| format!(" Style and mood: {s}."));
    let ratio = ratio.as_str();
    let beats = shot_beats(duration)
        .iter()
        .map(|(start, end)| format!("   {start}-{end}s: <what the camera sees; one move>"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(format!(
        "Make a {duration}-second {ratio} video with the seedance tools: {idea}.{style}\n\n\
         Work in this order; every submit costs money.\n\
         1. Call get_balance and note the provider, the balance and its unit. If the provider is `sim`, \
         tell the user results are placeholders.\n\
         2. Settle five dimensions in a line each: subject, action, scene, camera, style and mood.\n\
         3. Write the prompt as one establishing sentence and then timed shots that start at 0, follow \
         each other without overlap and end exactly at {duration}s, e.g.\n{beats}\n\
         4. For the user's images: list their local paths (or https URLs) in image_files as they are \
         and name them in the prompt as @image_file_1, @image_file_2... Avoid real people's faces and \
         written text in the picture.\n\
         5. Call submit_task with model seedance-2.0-fast, duration {duration}, ratio {ratio} and \
         dry_run: true. Show the user the cost (estimated_price) and any warnings; fix what the \
         warnings point at.\n\
         6. When the user agrees, call submit_task once with the same arguments without dry_run \
         (if it is refused with spend_limit, show the figures and pass confirm_cost only after they \
         agree). Keep the task_id.\n\
         7. Call get_task with the task_id and wait_seconds 45 until finished is true; never submit \
         again to check.\n\
         8. Give the user local_files (saved automatically; the URLs expire in 24 hours). If the task \
         failed, read failure.advice, change what it says and ask before paying again.\n\n\
         More detail: the resources seedance://skill/SKILL.md and \
         seedance://skill/references/storyboard-templates.md."
    ))
}

/// Values for a `storyboard` argument that start like `typed` (case-insensitive;
/// styles match anywhere in the words): ratios and lengths from the validator's
/// vocabularies, styles from the skill's camera-and-mood reference.
pub fn complete(argument: &str, typed: &str) -> Vec<String> {
    let typed = typed.trim().to_lowercase();
    let starts = |value: &str| value.to_lowercase().starts_with(&typed);
    match argument {
        "ratio" => Ratio::ALL
            .iter()
            .map(|r| r.as_str())
            .filter(|r| *r != Ratio::Adaptive.as_str() && starts(r))
            .map(str::to_owned)
            .collect(),
        "duration" => (4..=15)
            .map(|d: u8| d.to_string())
            .filter(|d| starts(d))
            .collect(),
        "style" => style_words()
            .filter(|w| w.to_lowercase().contains(&typed))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The bold terms of the light, colour and texture lists of camera-and-mood.md.
fn style_words() -> impl Iterator<Item = &'static str> {
    let text = crate::skill::FILES
        .iter()
        .find(|f| f.path == "references/camera-and-mood.md")
        .map_or("", |f| f.text);
    let mut in_style = false;
    text.lines().filter_map(move |line| {
        if let Some(heading) = line.strip_prefix("## ") {
            in_style = ["Light", "Colour", "Texture"]
                .iter()
                .any(|h| heading.starts_with(h));
            return None;
        }
        let term = line.strip_prefix("- **")?.split("**").next()?;
        (in_style && !term.is_empty()).then_some(term)
    })
}

/// Shot boundaries for a clip: three to four seconds each, in whole seconds.
fn shot_beats(duration: u8) -> Vec<(u8, u8)> {
    let shots = duration.div_ceil(4).max(1);
    (0..shots)
        .map(|n| {
            let start = u16::from(n) * u16::from(duration) / u16::from(shots);
            let end = u16::from(n + 1) * u16::from(duration) / u16::from(shots);
            (start as u8, end as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(duration: Option<&str>, ratio: Option<&str>) -> StoryboardArgs {
        StoryboardArgs {
            idea: "a cold brew ad".into(),
            duration: duration.map(Into::into),
            ratio: ratio.map(Into::into),
            style: Some("warm film grain".into()),
        }
    }

    #[test]
    fn arguments_complete_from_the_vocabularies() {
        assert_eq!(complete("ratio", "1"), ["16:9", "1:1"]);
        assert_eq!(
            complete("duration", "1"),
            ["10", "11", "12", "13", "14", "15"]
        );
        assert!(complete("style", "golden").contains(&"Golden hour".to_owned()));
        assert!(complete("style", "").len() > 20);
        assert!(complete("idea", "a").is_empty());
    }

    #[test]
    fn beats_fill_the_clip_without_gaps() {
        for duration in 4..=15 {
            let beats = shot_beats(duration);
            assert_eq!(beats[0].0, 0);
            assert_eq!(beats.last().unwrap().1, duration);
            assert!(beats.windows(2).all(|w| w[0].1 == w[1].0), "{beats:?}");
            assert!(beats.iter().all(|(s, e)| e > s && e - s <= 4), "{beats:?}");
        }
    }

    #[test]
    fn the_laid_out_shots_pass_the_linter() {
        let text = storyboard_text(&args(Some("15"), Some("9:16"))).unwrap();
        assert!(text.contains("15-second 9:16 video"), "{text}");
        let shots = crate::lint::timed_shots(&text);
        assert_eq!(shots.first().unwrap().start, 0.0);
        assert_eq!(shots.last().unwrap().end, 15.0);
    }

    #[test]
    fn bad_arguments_name_themselves() {
        assert!(
            storyboard_text(&args(Some("20"), None))
                .unwrap_err()
                .contains("`duration`")
        );
        assert!(
            storyboard_text(&args(None, Some("2:1")))
                .unwrap_err()
                .contains("`ratio`")
        );
        let empty = StoryboardArgs {
            idea: " ".into(),
            ..args(None, None)
        };
        assert!(storyboard_text(&empty).unwrap_err().contains("`idea`"));
    }
}
