use super::*;
use crate::request::SubmitTaskParams;

fn video(prompt: &str, duration: u8, images: usize) -> GenerationRequest {
    let params = SubmitTaskParams {
        prompt: prompt.to_owned(),
        duration: Some(duration.into()),
        image_files: (0..images)
            .map(|i| format!("https://x.test/{i}.png"))
            .collect(),
        ..Default::default()
    };
    crate::validate::submit(&params).expect("a valid request")
}

fn error(prompt: &str, duration: u8) -> ValidationError {
    lint(&video(prompt, duration, 0)).expect_err("a mistake")
}

fn warnings(prompt: &str, images: usize) -> Vec<String> {
    lint(&video(prompt, 10, images)).expect("no mistake")
}

#[test]
fn shots_are_found_however_they_are_written() {
    let prompt = "A cafe at dawn.\n0-3s: push in\n- 3–6 s: pan left\n[6-8s] close up\n**8~9.5s**: hold\n9.5-10秒：fade\n3-5 apples on a table";
    let shots: Vec<(f64, f64)> = timed_shots(prompt)
        .iter()
        .map(|s| (s.start, s.end))
        .collect();
    assert_eq!(
        shots,
        vec![(0.0, 3.0), (3.0, 6.0), (6.0, 8.0), (8.0, 9.5), (9.5, 10.0)]
    );
    assert_eq!(timed_shots(prompt)[1].text, "3–6 s");
    assert!(timed_shots("0-3 sunrise over hills").is_empty());
}

#[test]
fn a_storyboard_that_fills_the_clip_passes() {
    assert_eq!(
        warnings("0-3s: a cup\n3-7s: steam rises\n7-10s: logo card", 0),
        Vec::<String>::new()
    );
    assert!(warnings("no timed shots at all, just a description", 0).is_empty());
}

#[test]
fn overlapping_shots_are_refused_naming_the_shot() {
    let e = error("0-4s: a\n3-10s: b", 10);
    assert_eq!(e.field, "prompt");
    assert!(
        e.problem
            .contains("timed shot 2 (`3-10s`) starts at 3 s, before the previous shot ends at 4 s"),
        "{e:?}"
    );
    assert!(e.fix.contains("start this one at 4 s"), "{e:?}");
}

#[test]
fn shots_out_of_order_are_refused() {
    let e = error("5-10s: b\n0-5s: a", 10);
    assert!(e.problem.contains("timed shot 2"), "{e:?}");
}

#[test]
fn a_shot_that_ends_before_it_starts_is_refused() {
    let e = error("0-5s: a\n7-6s: b", 10);
    assert!(e.problem.contains("ends before it starts"), "{e:?}");
}

#[test]
fn shots_must_end_at_the_duration() {
    let short = error("0-3s: a\n3-8s: b", 10);
    assert!(
        short.problem.contains("end at 8 s but `duration` is 10 s"),
        "{short:?}"
    );
    assert!(short.fix.contains("set `duration` to 8"), "{short:?}");
    let long = error("0-5s: a\n5-12s: b", 10);
    assert!(long.problem.contains("end at 12 s"), "{long:?}");
}

#[test]
fn gaps_and_a_late_start_are_warnings() {
    let w = warnings("1-4s: a\n6-10s: b", 0);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains("starts at 1 s"), "{w:?}");
    assert!(w[1].contains("leave 4-6 s undescribed"), "{w:?}");
}

#[test]
fn text_in_the_picture_is_a_warning() {
    let w = warnings("a neon sign that says \"OPEN\" over a bar", 0);
    assert!(w.iter().any(|w| w.contains("garbled")), "{w:?}");
    assert!(
        warnings("a caption at the bottom", 0)
            .iter()
            .any(|w| w.contains("garbled"))
    );
    assert!(warnings("a quiet street at night", 0).is_empty());
}

#[test]
fn real_faces_in_references_are_a_warning_only_with_references() {
    let prompt = "a selfie of my friend walking";
    assert!(
        warnings(prompt, 1)
            .iter()
            .any(|w| w.contains("face_detected"))
    );
    assert!(
        warnings(prompt, 0)
            .iter()
            .all(|w| !w.contains("face_detected"))
    );
}

#[test]
fn crowded_scenes_are_a_warning() {
    assert!(
        warnings("five friends dance in a kitchen", 0)
            .iter()
            .any(|w| w.contains("about 5 characters"))
    );
    assert!(warnings("3 dancers on a stage", 0).is_empty());
}

#[test]
fn very_long_prompts_are_a_warning() {
    let long = "word ".repeat(1001);
    assert!(warnings(&long, 0).iter().any(|w| w.contains("1001 words")));
    let cjk = "猫".repeat(501);
    assert!(warnings(&cjk, 0).iter().any(|w| w.contains("501 CJK")));
}

#[test]
fn image_prompts_get_the_text_warnings_only() {
    let request = crate::validate::submit(&SubmitTaskParams {
        prompt: "0-3s: not a storyboard for images; a poster with the words \"SALE\"".into(),
        model: Some("seedream-4.5".into()),
        ..Default::default()
    })
    .unwrap();
    let w = lint(&request).unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
}

// Each claim the skill makes about the linter, quoted from the skill, with the
// linter doing what it says: if either side changes, one of these goes red.

const SKILL: &str = include_str!("../../skills/seedance/SKILL.md");
const CHECKLIST: &str = include_str!("../../skills/seedance/references/prompt-checklist.md");
const TEMPLATES: &str = include_str!("../../skills/seedance/references/storyboard-templates.md");

fn says(doc: &str, claim: &str) {
    let flat = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(claim), "the skill no longer says: {claim}");
}

fn flags_text(prompt: &str) -> bool {
    warnings(prompt, 0).iter().any(|w| w.contains("garbled"))
}

#[test]
fn claim_writing_no_text_trips_the_lettering_warning() {
    says(SKILL, "even writing \"no text\" trips the warning");
    says(CHECKLIST, "writing \"no text\" trips it as well");
    for prompt in [
        "a quiet street, no text",
        "a quiet street, no text on screen",
        "a quiet street, no subtitles",
        "a quiet street without captions",
    ] {
        assert!(flags_text(prompt), "{prompt}");
    }
}

#[test]
fn claim_the_lettering_words_and_phrases_are_flagged() {
    says(
        CHECKLIST,
        "The linter flags the words caption(s), subtitle(s), headline, lettering, slogan, typography and text",
    );
    says(
        TEMPLATES,
        "keep words such as caption, slogan or \"text\" out of the prompt altogether (the linter flags them)",
    );
    for word in [
        "caption",
        "captions",
        "subtitle",
        "subtitles",
        "headline",
        "lettering",
        "slogan",
        "typography",
        "text",
    ] {
        assert!(
            flags_text(&format!("a poster with {word} in red")),
            "{word}"
        );
    }
    says(
        CHECKLIST,
        "`saying \"`, `reads \"`, `that says`, `with the words`",
    );
    for phrase in [
        "a man saying \"hi\"",
        "a sign that reads \"OPEN\"",
        "a sign that says open",
        "a banner with the words sale",
    ] {
        assert!(flags_text(phrase), "{phrase}");
    }
    assert!(!flags_text("a quiet street at night"));
}

#[test]
fn claim_real_people_are_flagged_with_an_image_attached() {
    says(
        CHECKLIST,
        "With an image attached, the linter flags selfie, headshot, celebrity, \"real person/people\", \"photo of\", \"my face\", portrait with real or photo, and photorealistic with person, face, man or woman",
    );
    let flagged = |p: &str, images| {
        warnings(p, images)
            .iter()
            .any(|w| w.contains("face_detected"))
    };
    for prompt in [
        "a selfie at the beach",
        "a headshot in soft light",
        "a celebrity waves",
        "a real person walks",
        "real people dance",
        "a photo of Anna walks",
        "my face smiles",
        "a real portrait",
        "a photo portrait",
        "a photorealistic woman walks",
        "a photorealistic man walks",
        "a photorealistic person walks",
        "a photorealistic face turns",
    ] {
        assert!(flagged(prompt, 1), "{prompt}");
        assert!(!flagged(prompt, 0), "only with an image: {prompt}");
    }
}

#[test]
fn claim_more_than_three_characters_warns() {
    says(
        CHECKLIST,
        "At most three characters in one clip (\"four dancers\", \"5 friends\" warns)",
    );
    says(SKILL, "at most three characters in one clip");
    let crowded = |p: &str| {
        warnings(p, 0)
            .iter()
            .any(|w| w.contains("characters in one clip"))
    };
    for prompt in [
        "four dancers on a stage",
        "5 friends at a table",
        "four baristas behind a counter",
        "six musicians play",
        "four guitarists jam",
    ] {
        assert!(crowded(prompt), "{prompt}");
    }
    for prompt in [
        "three dancers on a stage",
        "four cups on a table",
        "five towers",
    ] {
        assert!(!crowded(prompt), "{prompt}");
    }
}

#[test]
fn claim_long_prompts_warn_past_1000_words_or_500_chinese_characters() {
    says(
        CHECKLIST,
        "Prompt under about 1000 words or 500 Chinese characters",
    );
    assert!(
        !warnings(&"word ".repeat(1000), 0)
            .iter()
            .any(|w| w.contains("long"))
    );
    assert!(
        warnings(&"word ".repeat(1001), 0)
            .iter()
            .any(|w| w.contains("long"))
    );
    assert!(
        !warnings(&"猫".repeat(500), 0)
            .iter()
            .any(|w| w.contains("long"))
    );
    assert!(
        warnings(&"猫".repeat(501), 0)
            .iter()
            .any(|w| w.contains("long"))
    );
}

#[test]
fn claim_shot_ranges_are_written_these_ways_at_the_start_of_a_line() {
    says(
        CHECKLIST,
        "Every shot line starts with its range: `0-3s:`, `0–3 s:`, `[3-6s]`, `- 6-9s:` or `9-10秒：`",
    );
    says(
        CHECKLIST,
        "a range not at the start of a line is not a shot",
    );
    let prompt = "0-3s: a\n3–6 s: b\n[6-8s] c\n- 8-9s: d\n9-10秒：e";
    assert_eq!(timed_shots(prompt).len(), 5);
    assert!(lint(&video(prompt, 10, 0)).is_ok());
    assert!(timed_shots("a cat, then 0-3s: a dog").is_empty());
    assert!(timed_shots("0-3: no unit").is_empty());
}

#[test]
fn claim_broken_timelines_are_refused_and_gaps_warn() {
    says(
        CHECKLIST,
        "no shot starts before the previous one ends (refused)",
    );
    says(
        CHECKLIST,
        "The last shot ends **exactly** at `duration` (refused otherwise",
    );
    says(
        CHECKLIST,
        "The first shot starts at 0 and there are no gaps (otherwise a warning",
    );
    assert!(lint(&video("0-5s: a\n4-10s: b", 10, 0)).is_err());
    assert!(lint(&video("0-5s: a\n5-9s: b", 10, 0)).is_err());
    assert!(lint(&video("3-5s: a\n5-10s: b", 10, 0)).is_ok_and(|w| !w.is_empty()));
    assert!(lint(&video("0-4s: a\n5-10s: b", 10, 0)).is_ok_and(|w| !w.is_empty()));
}
