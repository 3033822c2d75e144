//! The decode loop: one dedicated thread owns the model and a single llama.cpp context,
//! and serves several sessions at once by batching their sequences into each decode.
//!
//! # The shared cache
//! The context has one unified KV cache of `context_size` tokens for all its sequences,
//! so a lone session may use all of it and memory does not grow with `parallel`. Each
//! admitted reply reserves its prompt plus its `max_tokens` of cells; a reply that does
//! not fit in what is left waits at the head of the queue until running replies end
//! (it always fits an empty cache, because its prompt is trimmed to `context_size -
//! max_tokens`). The cache therefore never fills mid-reply, and nothing is evicted.
//!
//! # Flow
//! Requests arrive as [`Job`]s on a bounded channel; when `queue` requests already
//! wait, the sender answers `busy`, so nothing ever waits on it. Each loop turn the thread
//! 1. admits waiting jobs, oldest first, into free sequence slots while their
//!    reservation fits the cache (render the prompt, tokenize, trim the oldest history
//!    to fit the context),
//! 2. drops slots and the waiting job whose request was cancelled or whose reader went
//!    away,
//! 3. builds one batch: the last sampled token of every generating slot, then prompt
//!    chunks of the slots still prefilling, within the batch size,
//! 4. decodes, samples one token per slot that reached its end of input, and sends the
//!    text out through each job's unbounded channel (bounded in practice by `max_tokens`).
//!
//! Nothing here runs on the tokio runtime, and a cancel takes effect at the next loop
//! turn: the slot stops being decoded, its KV cells are freed, and no `Done` is sent.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::template::ChatTemplate;
use super::utf8::Utf8Buffer;
use crate::agent::prompt::{ChatMessage, oldest_history_index};
use crate::agent::{AgentError, AgentErrorKind, AgentEvent};
use crate::usage::TokenUsage;

/// What the engine is built with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub model_path: PathBuf,
    /// Tokens of KV cache shared by all sequences (prompts plus replies).
    pub context_size: u32,
    /// Sessions decoded together.
    pub parallel: u32,
    /// Requests that may wait for a free slot or for room in the cache.
    pub queue: usize,
    /// CPU threads for llama.cpp.
    pub threads: u32,
}

/// One reply to generate.
#[derive(Debug)]
pub struct Job {
    pub messages: Vec<ChatMessage>,
    pub max_tokens: u32,
    pub temperature: f32,
    pub cancel: CancellationToken,
    pub events: UnboundedSender<Result<AgentEvent, AgentError>>,
}

/// Live counters, for tests, benches and logs.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Jobs waiting for a slot or for room in the cache.
    pub queued: AtomicUsize,
    /// Sequences being prefilled or generated.
    pub active: AtomicUsize,
    /// Tokens sampled since start, over all sessions.
    pub generated_tokens: AtomicU64,
}

/// The handle to a running engine thread. Dropping every handle stops the thread once
/// its running replies are done.
#[derive(Debug)]
pub struct Engine {
    jobs: SyncSender<Job>,
    /// The most requests that may wait.
    queue: usize,
    pub stats: Arc<EngineStats>,
    pub template: Arc<ChatTemplate>,
    /// Tokens of context one sequence may use: the whole shared cache.
    pub context_per_sequence: u32,
}

impl Engine {
    /// Loads the model on a new thread and returns once it is ready to decode.
    pub fn start(config: EngineConfig) -> Result<Engine, String> {
        if !config.model_path.is_file() {
            return Err(format!(
                "model file {} does not exist",
                config.model_path.display()
            ));
        }
        let limit = config.queue;
        let (jobs, queue) = std::sync::mpsc::sync_channel(limit);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stats = Arc::new(EngineStats::default());
        let thread_stats = stats.clone();
        std::thread::Builder::new()
            .name("duplex-llama".into())
            .spawn(move || run(config, queue, thread_stats, ready_tx))
            .map_err(|e| format!("cannot start the model thread: {e}"))?;
        let (template, context_per_sequence) = ready_rx
            .recv()
            .map_err(|_| "the model thread stopped while loading".to_owned())??;
        Ok(Engine {
            jobs,
            queue: limit,
            stats,
            template,
            context_per_sequence,
        })
    }

    /// Queues `job`, or answers `busy` when `queue` requests already wait.
    ///
    /// The count, not the channel, is the bound: a job the decode loop holds back until
    /// the cache has room has left the channel but still waits.
    pub fn submit(&self, job: Job) -> Result<(), AgentError> {
        let busy = || {
            AgentError::new(
                AgentErrorKind::Busy,
                "the local model is busy: every slot and the whole queue are taken; retry shortly",
            )
        };
        self.stats
            .queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |waiting| {
                (waiting < self.queue).then_some(waiting + 1)
            })
            .map_err(|_| busy())?;
        self.jobs.try_send(job).map_err(|error| {
            self.stats.queued.fetch_sub(1, Ordering::SeqCst);
            match error {
                TrySendError::Full(_) => busy(),
                TrySendError::Disconnected(_) => {
                    AgentError::new(AgentErrorKind::Failed, "the local model thread has stopped")
                }
            }
        })
    }
}

/// llama.cpp's global state, initialised once per process.
fn backend() -> Result<&'static LlamaBackend, String> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| format!("cannot initialise llama.cpp: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

type Ready = Result<(Arc<ChatTemplate>, u32), String>;

fn run(
    config: EngineConfig,
    queue: Receiver<Job>,
    stats: Arc<EngineStats>,
    ready: std::sync::mpsc::Sender<Ready>,
) {
    let loaded = (|| {
        let backend = backend()?;
        let model =
            LlamaModel::load_from_file(backend, &config.model_path, &LlamaModelParams::default())
                .map_err(|e| {
                format!(
                    "cannot load the model {}: {e} (is it a GGUF file?)",
                    config.model_path.display()
                )
            })?;
        let template = load_template(&model)?;
        Ok::<_, String>((backend, model, template))
    })();
    let (backend, model, template) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let threads = i32::try_from(config.threads.max(1)).unwrap_or(1);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(config.context_size))
        .with_n_batch(config.context_size)
        .with_n_seq_max(config.parallel)
        .with_kv_unified(true)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let context = match model.new_context(backend, params) {
        Ok(context) => context,
        Err(error) => {
            let _ = ready.send(Err(format!(
                "cannot create a llama.cpp context of {} tokens: {error}",
                config.context_size
            )));
            return;
        }
    };
    // llama.cpp may round the cache up; the reservations count what is really there.
    let cells = context.n_ctx();
    let template = Arc::new(template);
    if ready.send(Ok((template.clone(), cells))).is_err() {
        return;
    }
    tracing::info!(
        model = %config.model_path.display(),
        parallel = config.parallel,
        shared_context = cells,
        threads,
        "local model loaded"
    );
    let mut decoder = Decoder {
        model: &model,
        context,
        template,
        stats,
        cells,
        reserved: 0,
        batch_size: config.context_size as usize,
        slots: (0..config.parallel).map(|_| None).collect(),
        waiting: None,
    };
    decoder.serve(&queue);
}

fn load_template(model: &LlamaModel) -> Result<ChatTemplate, String> {
    let source = model
        .chat_template(None)
        .map_err(|e| format!("the model has no usable chat template: {e}"))?;
    let source = source
        .to_str()
        .map_err(|e| format!("the model's chat template is not UTF-8: {e}"))?;
    let vocab = model.vocab();
    let text = |token: LlamaToken| {
        String::from_utf8_lossy(&vocab.token_to_piece(token, true, None)).into_owned()
    };
    ChatTemplate::new(source, text(vocab.bos()), text(vocab.eos()))
}

/// One reply in progress.
struct Sequence {
    job: Job,
    sampler: LlamaSampler,
    /// Tokens still to feed to the model: the prompt, then each sampled token.
    pending: Vec<LlamaToken>,
    fed: usize,
    /// Tokens of this sequence in the KV cache, i.e. the next position.
    position: i32,
    /// Where this sequence's logits are in the current batch.
    logits_at: Option<i32>,
    prompt_tokens: u64,
    generated: u64,
    max_tokens: u64,
    /// Cells of the shared cache held for this reply: its prompt plus `max_tokens`.
    reserved: u32,
    text: Utf8Buffer,
}

struct Decoder<'m> {
    model: &'m LlamaModel,
    context: LlamaContext<'m>,
    template: Arc<ChatTemplate>,
    stats: Arc<EngineStats>,
    /// Cells in the shared KV cache.
    cells: u32,
    /// Cells reserved by the sequences in `slots`.
    reserved: u32,
    batch_size: usize,
    slots: Vec<Option<Sequence>>,
    /// The oldest waiting reply, prepared, when it did not fit in the cache's free cells.
    waiting: Option<Sequence>,
}

impl Decoder<'_> {
    fn serve(&mut self, queue: &Receiver<Job>) {
        let mut batch = LlamaBatch::new(self.batch_size, self.slots.len() as i32);
        loop {
            if !self.admit(queue) {
                return;
            }
            self.drop_abandoned();
            if self.build_batch(&mut batch) == 0 {
                continue;
            }
            if let Err(error) = self.context.decode(&mut batch) {
                self.fail_all(&format!("the local model failed to decode: {error}"));
                continue;
            }
            self.sample();
        }
    }

    /// Fills free slots from the queue, oldest first, while the cache has room for each
    /// reply; blocks only when nothing is running. Returns false when the queue is closed
    /// and no work is left.
    fn admit(&mut self, queue: &Receiver<Job>) -> bool {
        while let Some(free) = self.slots.iter().position(Option::is_none) {
            let sequence = match self.waiting.take() {
                Some(sequence) => sequence,
                None => {
                    let Some(job) = self.next_job(queue) else {
                        return self.slots.iter().any(Option::is_some);
                    };
                    match self.prepare(job) {
                        Ok(sequence) => sequence,
                        Err((job, error)) => {
                            self.stats.queued.fetch_sub(1, Ordering::SeqCst);
                            let _ = job.events.send(Err(error));
                            continue;
                        }
                    }
                }
            };
            if self.reserved + sequence.reserved > self.cells {
                // An empty cache always has room, so something is running and will end.
                self.waiting = Some(sequence);
                return true;
            }
            self.stats.queued.fetch_sub(1, Ordering::SeqCst);
            self.stats.active.fetch_add(1, Ordering::SeqCst);
            self.reserved += sequence.reserved;
            let _ = self
                .context
                .clear_kv_cache_seq(Some(free as u32), None, None);
            self.slots[free] = Some(sequence);
        }
        true
    }

    /// The next live job from the queue: waits for one only when nothing is running;
    /// `None` when there is none now (or the queue is closed).
    fn next_job(&self, queue: &Receiver<Job>) -> Option<Job> {
        loop {
            let job = if self.slots.iter().any(Option::is_some) {
                match queue.try_recv() {
                    Ok(job) => job,
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => return None,
                }
            } else {
                queue.recv().ok()?
            };
            if job.cancel.is_cancelled() || job.events.is_closed() {
                self.stats.queued.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            return Some(job);
        }
    }

    /// Renders and tokenizes the prompt, trimming the oldest turns until it fits.
    fn prepare(&self, mut job: Job) -> Result<Sequence, (Job, AgentError)> {
        let max_tokens = job.max_tokens.clamp(1, self.cells / 2);
        let limit = (self.cells - max_tokens) as usize;
        let mut trimmed = 0;
        let tokens = loop {
            let prompt = match self.template.render(&job.messages) {
                Ok(prompt) => prompt,
                Err(error) => return Err((job, AgentError::new(AgentErrorKind::Failed, error))),
            };
            let tokens = self.tokenize(&prompt);
            if tokens.len() <= limit {
                break tokens;
            }
            match oldest_history_index(&job.messages) {
                Some(oldest) => {
                    job.messages.remove(oldest);
                    trimmed += 1;
                }
                None => {
                    let error = AgentError::new(
                        AgentErrorKind::Failed,
                        format!(
                            "the message is too long for the local model: its prompt is {} tokens, \
                             and at most {limit} fit (raise `context_size` or send less)",
                            tokens.len()
                        ),
                    );
                    return Err((job, error));
                }
            }
        };
        if trimmed > 0 {
            tracing::warn!(
                dropped_messages = trimmed,
                prompt_tokens = tokens.len(),
                limit,
                "history trimmed to fit the local model's context: the oldest turns were left out"
            );
        }
        Ok(Sequence {
            sampler: sampler(job.temperature),
            prompt_tokens: tokens.len() as u64,
            // Fits in u32: at most `limit + max_tokens`, i.e. `cells`.
            reserved: tokens.len() as u32 + max_tokens,
            pending: tokens,
            fed: 0,
            position: 0,
            logits_at: None,
            generated: 0,
            max_tokens: u64::from(max_tokens),
            text: Utf8Buffer::default(),
            job,
        })
    }

    fn tokenize(&self, prompt: &str) -> Vec<LlamaToken> {
        let vocab = self.model.vocab();
        let bos = vocab.token_to_piece(vocab.bos(), true, None);
        let add_bos = vocab.should_add_bos() && !prompt.as_bytes().starts_with(&bos);
        vocab.tokenize(prompt.as_bytes(), add_bos, true)
    }

    fn drop_abandoned(&mut self) {
        if let Some(waiting) = &self.waiting
            && (waiting.job.cancel.is_cancelled() || waiting.job.events.is_closed())
        {
            self.waiting = None;
            self.stats.queued.fetch_sub(1, Ordering::SeqCst);
        }
        for slot in 0..self.slots.len() {
            if let Some(sequence) = &self.slots[slot]
                && (sequence.job.cancel.is_cancelled() || sequence.job.events.is_closed())
            {
                self.release(slot);
            }
        }
    }

    /// One token per generating sequence first, then prompt chunks; returns the batch size.
    fn build_batch(&mut self, batch: &mut LlamaBatch) -> usize {
        batch.clear();
        let mut room = self.batch_size;
        let mut order: Vec<usize> = (0..self.slots.len()).collect();
        order.sort_by_key(|&slot| {
            self.slots[slot]
                .as_ref()
                .map_or(usize::MAX, |s| s.pending.len() - s.fed)
        });
        for slot in order {
            let Some(sequence) = self.slots[slot].as_mut() else {
                continue;
            };
            sequence.logits_at = None;
            let left = sequence.pending.len() - sequence.fed;
            let take = left.min(room);
            for (i, token) in sequence.pending[sequence.fed..sequence.fed + take]
                .iter()
                .enumerate()
            {
                let last = sequence.fed + i + 1 == sequence.pending.len();
                if last {
                    sequence.logits_at = Some(batch.n_tokens());
                }
                // Cannot fail: `room` never exceeds what the batch was allocated with.
                let _ = batch.add(*token, sequence.position, &[slot as i32], last);
                sequence.position += 1;
            }
            sequence.fed += take;
            room -= take;
        }
        self.batch_size - room
    }

    fn sample(&mut self) {
        for slot in 0..self.slots.len() {
            let Some(sequence) = self.slots[slot].as_mut() else {
                continue;
            };
            let Some(at) = sequence.logits_at.take() else {
                continue;
            };
            let token = sequence.sampler.sample(&self.context, at);
            let vocab = self.model.vocab();
            if vocab.is_eog(token) {
                self.finish(slot);
                continue;
            }
            sequence.generated += 1;
            self.stats.generated_tokens.fetch_add(1, Ordering::Relaxed);
            let piece = vocab.token_to_piece(token, false, None);
            let text = sequence.text.push(&piece);
            if !text.is_empty()
                && sequence
                    .job
                    .events
                    .send(Ok(AgentEvent::Chunk(text)))
                    .is_err()
            {
                self.release(slot);
                continue;
            }
            if sequence.generated >= sequence.max_tokens {
                self.finish(slot);
                continue;
            }
            sequence.pending.clear();
            sequence.pending.push(token);
            sequence.fed = 0;
        }
    }

    /// Sends the held-back text and the usage, then frees the slot.
    fn finish(&mut self, slot: usize) {
        if let Some(sequence) = self.slots[slot].as_mut() {
            let rest = sequence.text.finish();
            if !rest.is_empty() {
                let _ = sequence.job.events.send(Ok(AgentEvent::Chunk(rest)));
            }
            let usage = TokenUsage::new(sequence.prompt_tokens, sequence.generated);
            let _ = sequence.job.events.send(Ok(AgentEvent::Done(usage)));
        }
        self.release(slot);
    }

    fn fail_all(&mut self, message: &str) {
        tracing::error!("{message}");
        for slot in 0..self.slots.len() {
            if let Some(sequence) = &self.slots[slot] {
                let error = AgentError::new(AgentErrorKind::Failed, message);
                let _ = sequence.job.events.send(Err(error));
                self.release(slot);
            }
        }
    }

    fn release(&mut self, slot: usize) {
        if let Some(sequence) = self.slots[slot].take() {
            self.stats.active.fetch_sub(1, Ordering::SeqCst);
            self.reserved -= sequence.reserved;
            let _ = self
                .context
                .clear_kv_cache_seq(Some(slot as u32), None, None);
        }
    }
}

/// Greedy at temperature 0, else the usual top-k / top-p / min-p chain.
fn sampler(temperature: f32) -> LlamaSampler {
    if temperature <= 0.0 {
        return LlamaSampler::greedy();
    }
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    LlamaSampler::chain_simple([
        LlamaSampler::top_k(40),
        LlamaSampler::top_p(0.95, 1),
        LlamaSampler::min_p(0.05, 1),
        LlamaSampler::temp(temperature),
        LlamaSampler::dist(seed),
    ])
}
