//! The Skills extension (SEP-2640, `io.modelcontextprotocol/skills`): the
//! embedded storyboard skill as `skill://seedance/…`, read through
//! `resources/read` like every other resource. The same files stay available as
//! `seedance://skill/…` resources for clients without the extension.

use rmcp::model::{
    ErrorData, GetSkillResult, ListSkillsResult, Skill, SkillFrontmatter, SkillResource,
    SkillResources,
};

use crate::skill::{FILES, SkillFile};

/// Where the skill's files live under the extension: `skill://<name>/<path>`.
pub const PREFIX: &str = "skill://seedance/";

/// The URI of the skill's entry point.
pub fn skill_uri() -> String {
    format!("{PREFIX}SKILL.md")
}

/// The embedded file a `skill://seedance/…` URI names.
pub fn by_uri(uri: &str) -> Option<&'static SkillFile> {
    let path = uri.strip_prefix(PREFIX)?;
    FILES.iter().find(|f| f.path == path)
}

/// The skill entry: its frontmatter and every file with digest and size.
pub fn skill() -> Result<Skill, ErrorData> {
    let entry = FILES
        .iter()
        .find(|f| f.path == "SKILL.md")
        .ok_or_else(|| ErrorData::internal_error("the skill has no SKILL.md", None))?;
    let (name, description) = frontmatter(entry.text)
        .ok_or_else(|| ErrorData::internal_error("SKILL.md has no name and description", None))?;
    let files = FILES
        .iter()
        .map(|f| SkillResource::from_bytes(format!("{PREFIX}{}", f.path), f.text.as_bytes()))
        .collect();
    Ok(Skill::new(
        skill_uri(),
        SkillFrontmatter::new(name, description),
        SkillResources::Files(files),
    ))
}

/// `skills/list`.
pub fn list() -> Result<ListSkillsResult, ErrorData> {
    Ok(ListSkillsResult::with_all_items(vec![skill()?]))
}

/// `skills/get`.
pub fn get(uri: &str) -> Result<GetSkillResult, ErrorData> {
    if uri != skill_uri() {
        return Err(ErrorData::invalid_params(
            format!("no skill at {uri}; skills/list names {}", skill_uri()),
            None,
        ));
    }
    Ok(GetSkillResult::new(skill()?))
}

/// `name` and `description` from the frontmatter of our own SKILL.md. Both are
/// single-line `key: value` entries (a unit test in `skill` pins the header), so
/// two lines are read here rather than pulling in a YAML parser for them.
fn frontmatter(text: &str) -> Option<(String, String)> {
    let header = text.strip_prefix("---\n")?.split("\n---").next()?;
    let field = |key: &str| {
        header
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
    };
    Some((field("name")?, field("description")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skill_entry_is_valid_and_lists_every_file() {
        let skill = skill().unwrap();
        skill.validate().unwrap();
        assert_eq!(skill.name(), "seedance");
        assert!(
            skill
                .frontmatter
                .description
                .starts_with("Makes short videos")
        );
        let SkillResources::Files(files) = &skill.resources else {
            panic!("a fixed manifest")
        };
        assert_eq!(files.len(), FILES.len());
        for file in files {
            let text = by_uri(&file.uri).unwrap().text;
            file.verify(text.as_bytes()).unwrap();
        }
    }

    #[test]
    fn other_uris_are_no_skill() {
        assert!(get("skill://other/SKILL.md").is_err());
        assert!(by_uri("skill://seedance/../Cargo.toml").is_none());
    }
}
