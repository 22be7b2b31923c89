//! The models a server offers: the `.json` files under one folder (and
//! its subfolders), named by their path in it, and never anything else: no
//! `..`, no absolute path, no symlink leading out.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::error::Error;

/// The folder, resolved, that every file served must lie in.
pub fn root(folder: &Path) -> Result<PathBuf, Error> {
    let read = |reason: String| Error::Read {
        path: folder.display().to_string(),
        reason,
    };
    let root = folder.canonicalize().map_err(|e| read(e.to_string()))?;
    if root.is_dir() {
        Ok(root)
    } else {
        Err(read("not a folder of models".into()))
    }
}

/// One model on offer.
#[derive(Debug, Serialize)]
pub struct Offered {
    /// Its path in the folder, with `/` between parts.
    pub file: String,
    /// The model's `name`, when it has one.
    pub name: Option<String>,
}

/// The `.json` models under `root` (two levels deep), by path; the JSON
/// Schema is left out.
pub fn list(root: &Path) -> Vec<Offered> {
    let mut found = Vec::new();
    collect(root, root, 0, &mut found);
    found.sort_by(|a, b| a.file.cmp(&b.file));
    found
}

fn collect(root: &Path, folder: &Path, depth: usize, found: &mut Vec<Offered>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let file = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if path.is_dir() {
            if depth < 1 && read_inside(root, &file).is_ok() {
                collect(root, &path, depth + 1, found);
            }
            continue;
        }
        let json = path.extension().is_some_and(|e| e == "json");
        if !json || path.file_name().is_some_and(|n| n == "schema.json") {
            continue;
        }
        if let Ok(text) = read(root, &file) {
            let name = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["name"].as_str().map(str::to_owned));
            found.push(Offered { file, name });
        }
    }
}

/// The text of the model `file` (a path in the folder), if it is one the
/// server offers.
pub fn read(root: &Path, file: &str) -> Result<String, String> {
    let path = read_inside(root, file)?;
    if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some("json") {
        return Err(format!("no model `{file}` here"));
    }
    let metadata = std::fs::metadata(&path).map_err(|_| format!("no model `{file}` here"))?;
    if metadata.len() > crate::model::load::MAX_FILE_BYTES {
        return Err(format!("`{file}` is too large to be a model"));
    }
    std::fs::read_to_string(&path).map_err(|_| format!("`{file}` cannot be read as text"))
}

/// `file` as a path inside `root`: plain names only (no `..`, no root, no
/// drive), at most one subfolder deep, and, with every symlink followed,
/// still inside.
fn read_inside(root: &Path, file: &str) -> Result<PathBuf, String> {
    let refused = || format!("no model `{file}` here");
    let relative = Path::new(file);
    if file.is_empty()
        || file.contains('\\')
        || relative.components().count() > 2
        || !relative.components().all(
            |c| matches!(c, Component::Normal(part) if !part.to_string_lossy().starts_with('.')),
        )
    {
        return Err(refused());
    }
    let resolved = root.join(relative).canonicalize().map_err(|_| refused())?;
    if resolved.starts_with(root) {
        Ok(resolved)
    } else {
        Err(refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_models_inside_the_folder_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(models.join("more")).unwrap();
        std::fs::write(models.join("a.json"), r#"{"name": "A"}"#).unwrap();
        std::fs::write(models.join("more/b.json"), "{}").unwrap();
        std::fs::write(models.join("notes.txt"), "x").unwrap();
        std::fs::write(models.join("schema.json"), "{}").unwrap();
        std::fs::write(dir.path().join("secret.json"), r#"{"name": "secret"}"#).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.json"), models.join("link.json"))
            .unwrap();
        let root = root(&models).unwrap();
        let files: Vec<String> = list(&root).into_iter().map(|m| m.file).collect();
        assert_eq!(files, ["a.json", "more/b.json"]);
        assert_eq!(read(&root, "a.json").unwrap(), r#"{"name": "A"}"#);
        assert!(read(&root, "more/b.json").is_ok());
        for bad in [
            "../secret.json",
            "more/../../secret.json",
            "/etc/passwd",
            "link.json",
            "notes.txt",
            "",
            ".hidden.json",
            "more\\..\\..\\secret.json",
            "more/deeper/c.json",
            "missing.json",
        ] {
            assert!(read(&root, bad).is_err(), "{bad}");
        }
    }
}
