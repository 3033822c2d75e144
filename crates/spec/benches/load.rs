//! Loading speed: the largest corpus document (Deepgram, 142 KB) and the whole corpus.
//! Run with `cargo bench -p duplex-spec --bench load`; figures go to `docs/benchmarks.md`.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use duplex_spec::discover::documents;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn load(c: &mut Criterion) {
    let deepgram = corpus().join("realworld/deepgram/asyncapi.yml");
    c.bench_function("load deepgram asyncapi.yml", |b| {
        b.iter(|| duplex_spec::load(&deepgram));
    });
    let docs = documents(&corpus());
    let mut group = c.benchmark_group("corpus");
    group.sample_size(10);
    group.bench_function(format!("load all {} documents", docs.len()), |b| {
        b.iter(|| {
            for doc in &docs {
                duplex_spec::load(&doc.path);
            }
        });
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
