//! Turns an [`AgentRequest`] into the chat messages that LLM agents send to a model.
//!
//! Both LLM kinds (`local` and `openai`) share this, so a session reads the same to every
//! model: the configured system prompt, the session's history oldest first, then the new
//! user message. `payload.context` belongs to the message it came with, so it is rendered
//! into that last user message as pretty JSON, below the text. Webhooks get the request raw
//! and never come here.

use serde::Serialize;

use crate::agent::{AgentRequest, Role};

/// One chat message, in the shape chat templates and `/v1/chat/completions` expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

/// The messages for `request`: system prompt (when configured), history, new message.
pub fn chat_messages(system_prompt: Option<&str>, request: &AgentRequest) -> Vec<ChatMessage> {
    let mut messages = Vec::with_capacity(request.history.len() + 2);
    if let Some(system) = system_prompt.filter(|s| !s.trim().is_empty()) {
        messages.push(ChatMessage {
            role: "system",
            content: system.to_owned(),
        });
    }
    for turn in request.history.iter() {
        messages.push(ChatMessage {
            role: match turn.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            },
            content: turn.content.to_string(),
        });
    }
    messages.push(ChatMessage {
        role: "user",
        content: user_content(request),
    });
    messages
}

/// Index of the oldest history message, the first one trimmed when a prompt is too long,
/// or `None` when only the system prompt and the new message are left.
pub fn oldest_history_index(messages: &[ChatMessage]) -> Option<usize> {
    let first = usize::from(messages.first().is_some_and(|m| m.role == "system"));
    (first + 1 < messages.len()).then_some(first)
}

/// A rough token count for backends that report none: about four bytes per token.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

fn user_content(request: &AgentRequest) -> String {
    match &request.context {
        None | Some(serde_json::Value::Null) => request.message.clone(),
        Some(context) => {
            let json =
                serde_json::to_string_pretty(context).unwrap_or_else(|_| context.to_string());
            format!("{}\n\nContext (JSON):\n{json}", request.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Turn;

    fn request(history: Vec<Turn>, context: Option<serde_json::Value>) -> AgentRequest {
        AgentRequest {
            session_id: "s".into(),
            message_id: "m".into(),
            message: "And now?".into(),
            context,
            history: history.into(),
        }
    }

    fn roles(messages: &[ChatMessage]) -> Vec<&str> {
        messages.iter().map(|m| m.role).collect()
    }

    #[test]
    fn history_comes_between_system_and_new_message() {
        let history = vec![
            Turn {
                role: Role::User,
                agent: None,
                content: "Hi".into(),
            },
            Turn {
                role: Role::Assistant,
                agent: Some("a".into()),
                content: "Hello".into(),
            },
        ];
        let messages = chat_messages(Some("Be brief."), &request(history, None));
        assert_eq!(roles(&messages), ["system", "user", "assistant", "user"]);
        assert_eq!(messages[3].content, "And now?");
        assert_eq!(oldest_history_index(&messages), Some(1));
    }

    #[test]
    fn no_system_message_without_a_system_prompt() {
        let messages = chat_messages(Some("  "), &request(vec![], None));
        assert_eq!(roles(&messages), ["user"]);
        assert_eq!(oldest_history_index(&messages), None);
    }

    #[test]
    fn context_is_rendered_into_the_new_message() {
        let context = serde_json::json!({"user_tier": "gold"});
        let messages = chat_messages(None, &request(vec![], Some(context)));
        assert!(
            messages[0]
                .content
                .starts_with("And now?\n\nContext (JSON):\n")
        );
        assert!(messages[0].content.contains("\"user_tier\": \"gold\""));
    }

    #[test]
    fn estimate_rounds_up() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
