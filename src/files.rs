//! Files Embargo writes are private to the account it runs as (security
//! review F7): directories it creates are 0700, files 0600, whatever the
//! umask. The SQLite database is created 0600 before SQLite opens it, so its
//! `-wal` and `-shm` files (which SQLite creates with the database's mode)
//! are private too; an existing database with looser modes is tightened.

use std::io::Write;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Create `dir` and its missing parents, each 0700.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir)
}

/// Create `path` (0600) if it does not exist; tighten it to 0600 if it does.
pub fn ensure_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    o.mode(0o600);
    let f = o.open(path)?;
    restrict(&f)
}

/// Tighten an existing file to 0600 (no-op when it is missing).
pub fn tighten(path: &Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(f) => restrict(&f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Write `bytes` to `path` (created or truncated) with mode 0600.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).write(true).truncate(true);
    #[cfg(unix)]
    o.mode(0o600);
    let mut f = o.open(path)?;
    restrict(&f)?;
    f.write_all(bytes)
}

#[cfg(unix)]
fn restrict(f: &std::fs::File) -> std::io::Result<()> {
    let mode = f.metadata()?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_private() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&t.path().join("a")), 0o700);
        let f = dir.join("db");
        ensure_private_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        let g = dir.join("loose");
        std::fs::write(&g, b"x").unwrap();
        std::fs::set_permissions(&g, std::fs::Permissions::from_mode(0o644)).unwrap();
        tighten(&g).unwrap();
        assert_eq!(mode(&g), 0o600);
        write(&dir.join("out"), b"y").unwrap();
        assert_eq!(mode(&dir.join("out")), 0o600);
    }
}
