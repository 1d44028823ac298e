//! A Python with the official MCP SDK and PyAV, installed once per target dir.
//!
//! Tests use real, independent clients and decoders; this module provisions them
//! from PyPI (pinned in tests/python/requirements.txt) into
//! `target/tmp/test-python`, guarded by a lock directory so parallel test binaries
//! install only once. No test skips when the install fails: it fails loudly.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-python")
}

fn requirements() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/requirements.txt")
}

/// Path of the venv's interpreter, installing the venv on first use.
pub fn python() -> PathBuf {
    let root = root();
    let interpreter = root.join("bin/python");
    let stamp = root.join(".installed");
    let wanted =
        std::fs::read_to_string(requirements()).expect("read tests/python/requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return interpreter;
    }
    let lock = root.with_extension("lock");
    let started = Instant::now();
    loop {
        std::fs::create_dir_all(root.parent().unwrap()).unwrap();
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) if started.elapsed() > Duration::from_secs(600) => {
                // A crashed installer left its lock behind: take it over.
                let _ = std::fs::remove_dir(&lock);
            }
            Err(_) => {
                std::thread::sleep(Duration::from_millis(500));
                if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
                    return interpreter;
                }
            }
        }
    }
    let result = install(&root, &interpreter, &wanted, &stamp);
    let _ = std::fs::remove_dir(&lock);
    if let Err(e) = result {
        panic!(
            "could not provision the test Python in {}: {e}",
            root.display()
        );
    }
    interpreter
}

fn install(root: &Path, interpreter: &Path, wanted: &str, stamp: &Path) -> Result<(), String> {
    if !interpreter.exists() {
        make_venv("python3", root)?;
    }
    run(Command::new(interpreter)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements()))
    .map_err(|e| {
        format!(
            "{e}\npip installs the MCP Python SDK and PyAV from PyPI: these tests need access to \
             pypi.org (or a PyPI mirror set in pip's configuration)"
        )
    })?;
    std::fs::write(stamp, wanted).map_err(|e| e.to_string())
}

/// Makes the venv at `root` with `python`, saying plainly which tool is missing.
pub fn make_venv(python: &str, root: &Path) -> Result<(), String> {
    if Command::new(python).arg("--version").output().is_err() {
        return Err(format!(
            "`{python}` is missing: `cargo test` runs the official MCP Python SDK and needs Python 3 \
             with its venv module (e.g. `apt-get install python3 python3-venv`)"
        ));
    }
    run(Command::new(python).args(["-m", "venv"]).arg(root)).map_err(|e| {
        format!(
            "`{python} -m venv` failed: install Python's venv module (e.g. `apt-get install \
             python3-venv`). {e}"
        )
    })
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs `tests/python/SCRIPT ARGS` with the test Python (PyAV and the MCP SDK
/// installed), fails the test with its output unless it succeeds, and returns
/// its stdout.
pub fn run_script(script: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let output = std::process::Command::new(python())
        .arg(path)
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run the test Python");
    assert!(
        output.status.success(),
        "{script} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
