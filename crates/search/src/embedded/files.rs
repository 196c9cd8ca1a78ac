//! The generations on disk: `<dir>/<generation>/{products,stalls}`, `<dir>/CURRENT` naming
//! the live one, each index with its reader and lazily opened writer; checking, replacing and
//! removing generations.

use std::{path::Path, sync::Mutex, time::Duration};

use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
    schema::{Field, Schema},
};
use uuid::Uuid;

use super::{
    internal,
    schema::{ProductFields, StallFields, product_schema, stall_schema},
};
use crate::engine::EngineError;

const WRITER_MEMORY: usize = 30_000_000;

/// One tantivy index with its reader and (single) writer. The writer, which holds the index's
/// lock file, is opened on the first write: a process that only reads, or only builds a new
/// generation (`marketplace reindex` beside a running server), never contends for it.
pub(super) struct Side {
    pub(super) index: Index,
    pub(super) reader: IndexReader,
    pub(super) writer: Mutex<Option<IndexWriter>>,
}

impl Side {
    pub(super) fn open(dir: &Path, schema: Schema) -> Result<Self, EngineError> {
        std::fs::create_dir_all(dir).map_err(internal)?;
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(internal)?;
        let index = Index::open_or_create(mmap, schema).map_err(internal)?;
        verify(&index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(None),
        })
    }

    /// Runs `f` with the index's writer, opened on first use.
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut slot = self
            .writer
            .lock()
            .map_err(|_| EngineError::Internal("index writer poisoned".into()))?;
        if slot.is_none() {
            let writer = self
                .index
                .writer_with_num_threads(1, WRITER_MEMORY)
                // Another process still holds the lock (a rebuild finishing): retry later.
                .map_err(|e| EngineError::Unavailable(e.to_string()))?;
            *slot = Some(writer);
        }
        let Some(w) = slot.as_mut() else {
            return Err(internal("index writer missing"));
        };
        f(w)
    }

    /// Applies `f` and commits, or rolls back if it fails; searches see the result at once.
    fn write(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        self.with_writer(|w| {
            if let Err(e) = f(w) {
                let _ = w.rollback();
                return Err(e);
            }
            w.commit().map_err(internal).map(|_| ())
        })?;
        self.reader.reload().map_err(internal)
    }

    /// Removes the documents whose `id_field` holds one of `ids` and adds `docs` in their
    /// place (none: a plain delete), in one commit.
    pub(super) fn replace(
        &self,
        id_field: Field,
        ids: impl IntoIterator<Item = Uuid>,
        docs: Vec<TantivyDocument>,
    ) -> Result<(), EngineError> {
        self.write(|w| {
            for id in ids {
                w.delete_term(Term::from_field_text(id_field, &id.to_string()));
            }
            for doc in docs {
                w.add_document(doc).map_err(internal)?;
            }
            Ok(())
        })
    }

    /// Adds documents without committing (a rebuild commits once, at the end).
    pub(super) fn stage(&self, docs: Vec<TantivyDocument>) -> Result<(), EngineError> {
        self.with_writer(|w| {
            for doc in docs {
                w.add_document(doc).map_err(internal)?;
            }
            Ok(())
        })
    }

    pub(super) fn commit(&self) -> Result<(), EngineError> {
        self.write(|_| Ok(()))
    }

    pub(super) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }
}

pub(super) struct Generation {
    pub(super) name: String,
    pub(super) products: Side,
    pub(super) product_fields: ProductFields,
    pub(super) stalls: Side,
    pub(super) stall_fields: StallFields,
}

impl Generation {
    pub(super) fn open(root: &Path, name: &str) -> Result<Self, EngineError> {
        let (ps, pf) = product_schema();
        let (ss, sf) = stall_schema();
        Ok(Self {
            name: name.to_owned(),
            products: Side::open(&root.join(name).join("products"), ps)?,
            product_fields: pf,
            stalls: Side::open(&root.join(name).join("stalls"), ss)?,
            stall_fields: sf,
        })
    }
}

pub(super) fn read_current(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join("CURRENT"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && !s.contains('/') && !s.contains(".."))
}

pub(super) fn write_current(root: &Path, name: &str) -> Result<(), EngineError> {
    let tmp = root.join("CURRENT.tmp");
    std::fs::write(&tmp, name).map_err(internal)?;
    std::fs::rename(&tmp, root.join("CURRENT")).map_err(internal)
}

pub(super) fn new_generation_name() -> String {
    format!("g{}", Uuid::now_v7().simple())
}

/// Refuses an index whose segment files are truncated or altered, rather than fail searches
/// later. A read error is tried once more: a process sharing the index (a server beside
/// `marketplace reindex`) may have just merged segments and removed the old files.
fn verify(index: &Index) -> Result<(), EngineError> {
    let mut attempt = 0;
    loop {
        match index.validate_checksum() {
            Ok(bad) if bad.is_empty() => return Ok(()),
            Ok(bad) => {
                return Err(internal(format!(
                    "{} file(s) fail their checksum",
                    bad.len()
                )));
            }
            Err(e) if attempt > 0 => return Err(internal(e)),
            Err(_) => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// A new, empty generation made live. Other generations stay until a rebuild replaces this one.
pub(super) fn fresh_generation(root: &Path) -> Result<Generation, EngineError> {
    let name = new_generation_name();
    let g = Generation::open(root, &name)?;
    write_current(root, &name)?;
    Ok(g)
}

/// Whether `root` holds any generation directory.
pub(super) fn has_generations(root: &Path) -> bool {
    std::fs::read_dir(root).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().is_dir() && e.file_name().to_string_lossy().starts_with('g'))
    })
}

/// Renames a damaged generation out of the way (kept for inspection); returns where it went.
pub(super) fn move_aside(root: &Path, name: &str) -> String {
    let aside = root.join(format!("damaged-{name}-{}", Uuid::now_v7().simple()));
    match std::fs::rename(root.join(name), &aside) {
        Ok(()) => aside.display().to_string(),
        Err(e) => format!("nowhere ({e}); it stays in place"),
    }
}

pub(super) fn remove_other_generations(root: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && name.starts_with('g') && name != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
