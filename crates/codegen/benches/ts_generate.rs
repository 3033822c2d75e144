//! Times TypeScript generation for the largest corpus document (Deepgram's AsyncAPI,
//! 142 KB). Loading is done once, outside the measurement: this is the generator alone.
//!
//! Run: `cargo bench -p duplex-codegen --bench ts_generate`.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use duplex_codegen::Options;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/realworld/deepgram/asyncapi.yml");
    let loaded = duplex_spec::load(&path);
    let Some(api) = loaded.api else {
        panic!("{} did not load: {:?}", path.display(), loaded.diagnostics);
    };
    let options = Options::default();
    c.bench_function("typescript generate deepgram/asyncapi.yml", |b| {
        b.iter(|| duplex_codegen::typescript::generate(&api, &options));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
