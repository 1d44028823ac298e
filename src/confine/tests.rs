use std::fs;
use std::path::{Path, PathBuf};

use super::*;

/// A temporary tree: `root/` (allowed, holding `clip.mp4` and `sub/`) next to
/// `outside/secret.png` (not allowed).
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    roots: AllowedRoots,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let base = fs::canonicalize(dir.path()).unwrap();
    let root = base.join("root");
    let outside = base.join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(root.join("clip.mp4"), b"x").unwrap();
    fs::write(root.join("sub/still.png"), b"x").unwrap();
    fs::write(outside.join("secret.png"), b"x").unwrap();
    let mut roots = AllowedRoots::new();
    roots.add_dir(&root).unwrap();
    Tree {
        _dir: dir,
        root,
        outside,
        roots,
    }
}

fn text(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_file_inside_a_root_resolves_to_its_canonical_path() {
    let t = tree();
    let got = t
        .roots
        .resolve(&text(&t.root.join("sub/still.png")), None)
        .unwrap();
    assert_eq!(got, t.root.join("sub/still.png"));
}

#[test]
fn dot_dot_escaping_the_root_is_refused_and_names_the_roots() {
    let t = tree();
    let input = format!("{}/sub/../../outside/secret.png", t.root.display());
    let err = t.roots.resolve(&input, None).unwrap_err();
    assert!(matches!(err, ConfineError::Outside { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains(&text(&t.root)), "{message}");
    assert!(message.contains("SEEDANCE_ALLOWED_DIRS"), "{message}");
    assert!(message.contains("move the file into one of"), "{message}");
}

#[test]
fn dot_dot_staying_inside_the_root_is_fine() {
    let t = tree();
    let input = format!("{}/sub/../clip.mp4", t.root.display());
    assert_eq!(
        t.roots.resolve(&input, None).unwrap(),
        t.root.join("clip.mp4")
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_leading_out_of_the_root_is_refused() {
    let t = tree();
    let link = t.root.join("innocent.png");
    std::os::unix::fs::symlink(t.outside.join("secret.png"), &link).unwrap();
    let err = t.roots.resolve(&text(&link), None).unwrap_err();
    assert!(matches!(err, ConfineError::Outside { .. }), "{err}");
    assert!(err.to_string().contains("really"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_root_pointing_inside_is_followed() {
    let t = tree();
    let link = t.root.join("alias.mp4");
    std::os::unix::fs::symlink(t.root.join("clip.mp4"), &link).unwrap();
    assert_eq!(
        t.roots.resolve(&text(&link), None).unwrap(),
        t.root.join("clip.mp4")
    );
}

#[cfg(unix)]
#[test]
fn a_root_given_through_a_symlink_is_stored_canonical() {
    let t = tree();
    let link = t.outside.join("media-link");
    std::os::unix::fs::symlink(&t.root, &link).unwrap();
    let mut roots = AllowedRoots::new();
    roots.add_dir(&link).unwrap();
    assert_eq!(roots.roots(), std::slice::from_ref(&t.root));
    let through_link = link.join("clip.mp4");
    assert_eq!(
        roots.resolve(&text(&through_link), None).unwrap(),
        t.root.join("clip.mp4")
    );
    assert_eq!(
        roots
            .resolve(&text(&t.root.join("clip.mp4")), None)
            .unwrap(),
        t.root.join("clip.mp4")
    );
}

#[test]
fn system_files_are_outside() {
    let t = tree();
    let err = t.roots.resolve("/etc/passwd", None).unwrap_err();
    assert!(
        matches!(
            err,
            ConfineError::Outside { .. } | ConfineError::Missing { .. }
        ),
        "{err}"
    );
}

#[test]
fn tilde_paths_are_refused_with_advice() {
    let t = tree();
    let err = t.roots.resolve("~/.ssh/id_rsa", None).unwrap_err();
    assert!(matches!(err, ConfineError::Tilde { .. }), "{err}");
    assert!(err.to_string().contains("use an absolute path"), "{err}");
}

#[test]
fn percent_encoded_traversal_in_a_file_url_is_refused() {
    let t = tree();
    let url = format!(
        "file://{}/sub/%2e%2e%2f%2e%2e%2foutside/secret.png",
        t.root.display()
    );
    let err = t.roots.resolve(&url, None).unwrap_err();
    assert!(matches!(err, ConfineError::Traversal { .. }), "{err}");
}

#[test]
fn file_urls_to_other_hosts_are_refused() {
    let t = tree();
    let err = t.roots.resolve("file://evil.com/x", None).unwrap_err();
    assert!(
        matches!(err, ConfineError::RemoteHost { ref host, .. } if host == "evil.com"),
        "{err}"
    );
}

#[test]
fn local_file_urls_resolve() {
    let t = tree();
    fs::write(t.root.join("my clip.mp4"), b"x").unwrap();
    let plain = format!("file://{}/my%20clip.mp4", t.root.display());
    let localhost = format!("file://localhost{}/clip.mp4", t.root.display());
    assert_eq!(
        t.roots.resolve(&plain, None).unwrap(),
        t.root.join("my clip.mp4")
    );
    assert_eq!(
        t.roots.resolve(&localhost, None).unwrap(),
        t.root.join("clip.mp4")
    );
}

#[test]
fn credential_folders_inside_a_root_are_refused() {
    let t = tree();
    fs::create_dir_all(t.root.join(".ssh")).unwrap();
    fs::write(t.root.join(".ssh/id_rsa"), b"-----BEGIN").unwrap();
    let err = t
        .roots
        .resolve(&text(&t.root.join(".ssh/id_rsa")), None)
        .unwrap_err();
    assert!(
        matches!(err, ConfineError::Credential { ref component, .. } if component == ".ssh"),
        "{err}"
    );
    assert!(!err.to_string().contains("BEGIN"), "{err}");
    for name in [".env", ".env.local", ".netrc", ".git-credentials"] {
        fs::write(t.root.join(name), b"SECRET=1").unwrap();
        let err = t
            .roots
            .resolve(&text(&t.root.join(name)), None)
            .unwrap_err();
        assert!(
            matches!(err, ConfineError::Credential { .. }),
            "{name}: {err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_harmless_name_linking_into_a_credential_folder_is_refused() {
    let t = tree();
    fs::create_dir_all(t.root.join(".aws")).unwrap();
    fs::write(t.root.join(".aws/credentials"), b"k").unwrap();
    let link = t.root.join("photo.png");
    std::os::unix::fs::symlink(t.root.join(".aws/credentials"), &link).unwrap();
    let err = t.roots.resolve(&text(&link), None).unwrap_err();
    assert!(matches!(err, ConfineError::Credential { .. }), "{err}");
}

#[test]
fn a_directory_is_not_a_file() {
    let t = tree();
    let err = t
        .roots
        .resolve(&text(&t.root.join("sub")), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfineError::NotAFile {
                what: "a folder",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn relative_paths_resolve_against_the_base_only() {
    let t = tree();
    assert_eq!(
        t.roots.resolve("sub/still.png", Some(&t.root)).unwrap(),
        t.root.join("sub/still.png")
    );
    let err = t.roots.resolve("sub/still.png", None).unwrap_err();
    assert!(matches!(err, ConfineError::Relative { .. }), "{err}");
    let err = t
        .roots
        .resolve("../outside/secret.png", Some(&t.root))
        .unwrap_err();
    assert!(matches!(err, ConfineError::Outside { .. }), "{err}");
}

#[test]
fn nul_bytes_and_empty_input_are_refused() {
    let t = tree();
    let err = t.roots.resolve("/tmp/a\0b.png", None).unwrap_err();
    assert!(matches!(err, ConfineError::NulByte { .. }), "{err}");
    assert!(
        err.to_string().contains("\\0"),
        "the NUL is shown escaped: {err}"
    );
    assert!(matches!(
        t.roots.resolve("", None),
        Err(ConfineError::Empty)
    ));
}

#[test]
fn missing_files_say_so() {
    let t = tree();
    let err = t
        .roots
        .resolve(&text(&t.root.join("nope.mp4")), None)
        .unwrap_err();
    assert!(matches!(err, ConfineError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("no such file"), "{err}");
}

#[test]
fn without_roots_everything_is_refused_with_the_setup_hint() {
    let t = tree();
    let err = AllowedRoots::new()
        .resolve(&text(&t.root.join("clip.mp4")), None)
        .unwrap_err();
    assert!(matches!(err, ConfineError::NoRoots { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("this server has no allowed folders"),
        "{message}"
    );
    assert!(message.contains("the client sent no MCP roots and SEEDANCE_ALLOWED_DIRS is empty"));
}

#[test]
fn roots_come_from_client_uris_env_list_and_output_folder() {
    let t = tree();
    let extra = t.outside.join("extra dir");
    fs::create_dir_all(&extra).unwrap();
    let output = t.outside.join("out");
    fs::create_dir_all(&output).unwrap();
    let client = [
        format!("file://{}", t.root.display()),
        format!("file://{}", text(&extra).replace(' ', "%20")),
        "https://example.com/folder".to_owned(),
    ];
    let missing = t.outside.join("missing");
    let list = std::env::join_paths([
        extra.clone(),
        PathBuf::new(),
        missing.clone(),
        PathBuf::from("rel"),
    ])
    .unwrap();
    let (roots, skipped) = AllowedRoots::from_sources(&client, Some(&list), Some(&output));
    assert_eq!(roots.roots(), [t.root.clone(), extra, output]);
    let given: Vec<&str> = skipped.iter().map(|s| s.given.as_str()).collect();
    assert_eq!(
        given,
        ["https://example.com/folder", &text(&missing), "rel"]
    );
}

#[test]
fn a_credential_folder_cannot_become_a_root() {
    let t = tree();
    let ssh = t.root.join(".ssh");
    fs::create_dir_all(&ssh).unwrap();
    let mut roots = AllowedRoots::new();
    assert!(roots.add_dir(&ssh).is_err());
    assert!(roots.is_empty());
}

#[cfg(unix)]
#[test]
fn sockets_and_other_special_files_are_not_files() {
    let t = tree();
    let socket = t.root.join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let err = t.roots.resolve(&text(&socket), None).unwrap_err();
    assert!(
        matches!(
            err,
            ConfineError::NotAFile {
                what: "a device, pipe or socket",
                ..
            }
        ),
        "{err}"
    );
}
