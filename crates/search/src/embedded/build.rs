//! A rebuild: a new generation filled beside the live one, committed once, then swapped in by
//! renaming `CURRENT`.

use std::{sync::Arc, time::Instant};

use async_trait::async_trait;

use super::{
    Embedded,
    files::{Generation, remove_other_generations, write_current},
    internal,
    schema::{product_document, stall_document},
};
use crate::{
    document::{ProductDoc, StallDoc},
    engine::{EngineError, IndexBuild},
};

pub(super) struct EmbeddedBuild {
    pub(super) engine: Embedded,
    pub(super) generation: Option<Generation>,
}

impl EmbeddedBuild {
    fn generation(&self) -> Result<&Generation, EngineError> {
        self.generation
            .as_ref()
            .ok_or_else(|| internal("build already finished"))
    }
}

#[async_trait]
impl IndexBuild for EmbeddedBuild {
    async fn add_products(&mut self, docs: Vec<ProductDoc>) -> Result<(), EngineError> {
        let g = self.generation()?;
        let f = g.product_fields;
        let docs = docs
            .iter()
            .map(|d| product_document(&f, d))
            .collect::<Result<Vec<_>, _>>()?;
        tokio::task::block_in_place(|| g.products.stage(docs))
    }

    async fn add_stalls(&mut self, docs: Vec<StallDoc>) -> Result<(), EngineError> {
        let g = self.generation()?;
        let f = g.stall_fields;
        let docs = docs
            .iter()
            .map(|d| stall_document(&f, d))
            .collect::<Result<Vec<_>, _>>()?;
        tokio::task::block_in_place(|| g.stalls.stage(docs))
    }

    async fn finish(mut self: Box<Self>) -> Result<(), EngineError> {
        let g = self
            .generation
            .take()
            .ok_or_else(|| internal("build already finished"))?;
        // One commit per index for the whole rebuild.
        tokio::task::block_in_place(|| {
            g.products.commit()?;
            g.stalls.commit()
        })?;
        let name = g.name.clone();
        write_current(&self.engine.root, &name)?;
        let mut s = self
            .engine
            .state
            .write()
            .map_err(|_| internal("state poisoned"))?;
        let old = std::mem::replace(&mut s.live, Arc::new(g));
        s.checked = Instant::now();
        drop(old);
        remove_other_generations(&self.engine.root, &name);
        if let Ok(mut damage) = self.engine.damage.lock() {
            *damage = None;
        }
        Ok(())
    }
}
