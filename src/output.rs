//! Writing a command's output without ever losing a user's data: a file
//! named by `--output` is refused when it is one of the command's inputs
//! (by device and inode, so `./m.json`, a symlink or a hard link to the
//! model are caught as well as its own path), and it is replaced only by a
//! complete file (written beside it, then renamed into place), so an
//! interrupted or failed run leaves what was there.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Usage};

/// Refuses `output` when it names the same file as any of `inputs`; run
/// before anything is read or solved, so nothing is written either.
pub fn ensure_not_an_input(output: &Path, inputs: &[&Path]) -> Result<(), Error> {
    for input in inputs {
        if same_file(output, input) {
            return Err(Usage::OutputIsInput {
                output: output.display().to_string(),
                input: input.display().to_string(),
            }
            .into());
        }
    }
    Ok(())
}

/// Whether two paths name one file: the same device and inode (on Unix),
/// or the same canonical path elsewhere. Paths that do not both exist are
/// different files.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_identity(&x, &y, a, b),
        _ => false,
    }
}

#[cfg(unix)]
fn same_identity(x: &std::fs::Metadata, y: &std::fs::Metadata, _: &Path, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    x.dev() == y.dev() && x.ino() == y.ino()
}

#[cfg(not(unix))]
fn same_identity(_: &std::fs::Metadata, _: &std::fs::Metadata, a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The error for an output file that could not be written, and why.
fn cannot_write(path: &Path, reason: String) -> Error {
    Error::Write {
        target: format!("`{}`", path.display()),
        reason,
    }
}

/// Writes `text` to `path` so that the file is either what it was or the
/// whole new text: a temporary file in the same folder, flushed to disk,
/// then renamed over the target. A symlink is followed (the file it points
/// to is replaced, the link stays); a target that is not a regular file (a
/// FIFO, `/dev/stdout`) is written in place, since it cannot be renamed over.
pub fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    let cannot = |e: std::io::Error| cannot_write(path, e.to_string());
    // The temporary file's errors name the temporary file: say what failed.
    let cannot_kind = |e: std::io::Error| cannot_write(path, e.kind().to_string());
    // `-o /dev/stdout` (or a link to wherever stdout goes, even a file it
    // is redirected to): write to the stream, as a redirection expects.
    if is_stdout(path) {
        return write_stdout(text);
    }
    let target = resolve_symlinks(path).map_err(cannot)?;
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            return Err(cannot_write(
                path,
                "it is a folder; give a file name".into(),
            ))
        }
        Ok(meta) if !meta.is_file() => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(cannot)?;
            return file.write_all(text.as_bytes()).map_err(cannot);
        }
        // Replaced only if it could be written in place: a read-only file
        // stays as it is, as with any ordinary write.
        Ok(_) => {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(cannot)?;
        }
        Err(_) => {}
    }
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(permissions_for(&target))
        .tempfile_in(&folder)
        .map_err(cannot_kind)?;
    temporary.write_all(text.as_bytes()).map_err(cannot_kind)?;
    temporary.as_file().sync_all().map_err(cannot_kind)?;
    temporary
        .persist(&target)
        .map_err(|e| cannot_kind(e.error))?;
    // The rename itself is durable once the folder is on disk.
    if let Ok(dir) = std::fs::File::open(&folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Whether `path` names the file, pipe or terminal this process's stdout
/// writes to.
#[cfg(unix)]
fn is_stdout(path: &Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(target) = std::fs::metadata(path) else {
        return false;
    };
    let Ok(stream) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(stream)
        .metadata()
        .is_ok_and(|out| out.dev() == target.dev() && out.ino() == target.ino())
}

#[cfg(not(unix))]
fn is_stdout(_: &Path) -> bool {
    false
}

/// The file a path finally names when it is a symlink (followed even when
/// its target does not exist yet, so the link itself is never replaced).
fn resolve_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // A bound on the chain, as the kernel has: a loop is an error.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// The permissions the new file gets: those of the file it replaces
/// (without setuid, setgid or sticky bits), or the usual ones for a new
/// file (read-write, less the umask).
fn permissions_for(target: &Path) -> std::fs::Permissions {
    match std::fs::metadata(target) {
        Ok(meta) => plain(&meta.permissions()),
        Err(_) => default_permissions(),
    }
}

#[cfg(unix)]
fn plain(permissions: &std::fs::Permissions) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(permissions.mode() & 0o777)
}

#[cfg(not(unix))]
fn plain(permissions: std::fs::Permissions) -> std::fs::Permissions {
    permissions
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    // A fresh file's permissions on this platform, read off a new file.
    tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .unwrap_or_else(|_| unreachable!("a temporary file has permissions"))
}

/// Writes `text` to stdout; a closed pipe (`seqplan m.json | head`) is not
/// an error.
pub fn write_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            target: "to stdout".into(),
            reason: e.to_string(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_is_found_by_every_name() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m.json");
        std::fs::write(&model, "{}").unwrap();
        let dotted = dir.path().join(".").join("m.json");
        let hard = dir.path().join("hard.json");
        std::fs::hard_link(&model, &hard).unwrap();
        assert!(same_file(&model, &model));
        assert!(same_file(&dotted, &model));
        assert!(same_file(&hard, &model));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&model, &link).unwrap();
            assert!(same_file(&link, &model));
        }
        let other = dir.path().join("other.json");
        assert!(!same_file(&other, &model), "a missing file is no input");
        std::fs::write(&other, "{}").unwrap();
        assert!(!same_file(&other, &model));
    }

    #[test]
    fn a_file_is_replaced_whole_and_keeps_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("plan.txt");
        write_file(&out, "first").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_file(&out, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        write_file(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let message = write_file(dir.path(), "x").unwrap_err().to_string();
        assert!(message.contains("it is a folder"), "{message}");
    }
}
