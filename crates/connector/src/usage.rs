//! Token usage, in the protocol's own field names (`candidates_tokens` for completion).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub candidates_tokens: u64,
    pub total_tokens: u64,
    /// True when the agent's backend reported no usage and the counts were estimated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

impl TokenUsage {
    pub fn new(prompt_tokens: u64, candidates_tokens: u64) -> TokenUsage {
        TokenUsage {
            prompt_tokens,
            candidates_tokens,
            total_tokens: prompt_tokens + candidates_tokens,
            estimated: false,
        }
    }
}
