//! The AsyncAPI 2.x/3.0 loader (work in progress: see the commit log).

use crate::Loaded;
use crate::diagnostics::Diagnostic;
use crate::source::Node;

pub(crate) fn load(root: &Node) -> Loaded {
    Loaded::failed(Diagnostic::error(
        "E0000",
        "the AsyncAPI loader is not finished yet",
        root.location(),
    ))
}
