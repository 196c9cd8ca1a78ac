//! Catalogue behaviour over HTTP.
