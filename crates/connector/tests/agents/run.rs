//! Runs one agent turn to its end and returns what a session would see.

use std::time::Duration;

use duplex_connector::agent::config::AgentCommon;
use duplex_connector::agent::{Agent, AgentError, AgentEvent, AgentRequest, Role, Turn};
use duplex_connector::usage::TokenUsage;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

/// The chunks of a reply and how it ended.
#[derive(Debug)]
pub struct Outcome {
    pub chunks: Vec<String>,
    pub end: Result<TokenUsage, AgentError>,
}

impl Outcome {
    pub fn text(&self) -> String {
        self.chunks.concat()
    }

    #[track_caller]
    pub fn usage(&self) -> TokenUsage {
        match &self.end {
            Ok(usage) => *usage,
            Err(error) => panic!("the reply failed: {error:?} after {:?}", self.chunks),
        }
    }

    #[track_caller]
    pub fn error(&self) -> &AgentError {
        match &self.end {
            Err(error) => error,
            Ok(usage) => panic!("the reply succeeded with {usage:?}: {:?}", self.chunks),
        }
    }
}

pub fn common(timeout: Duration) -> AgentCommon {
    AgentCommon {
        system_prompt: Some("You are terse.".into()),
        max_tokens: Some(32),
        temperature: Some(0.0),
        timeout,
    }
}

pub fn request(message: &str, history: &[(&str, &str)]) -> AgentRequest {
    AgentRequest {
        session_id: "session-1".into(),
        message_id: "msg-001".into(),
        message: message.into(),
        context: None,
        history: history
            .iter()
            .flat_map(|(user, assistant)| {
                [
                    Turn {
                        role: Role::User,
                        agent: None,
                        content: (*user).into(),
                    },
                    Turn {
                        role: Role::Assistant,
                        agent: Some("bot".into()),
                        content: (*assistant).into(),
                    },
                ]
            })
            .collect(),
    }
}

/// Runs a turn to its end (events after `Done` or an error would be a bug: checked).
pub async fn run(agent: &dyn Agent, request: AgentRequest) -> Outcome {
    let mut stream = agent.reply(request, CancellationToken::new());
    let mut chunks = Vec::new();
    let end = loop {
        match stream.next().await {
            Some(Ok(AgentEvent::Chunk(text))) => chunks.push(text),
            Some(Ok(AgentEvent::Done(usage))) => break Ok(usage),
            Some(Err(error)) => break Err(error),
            None => panic!("the stream ended without Done or an error after {chunks:?}"),
        }
    };
    assert!(stream.next().await.is_none(), "events after the end");
    Outcome { chunks, end }
}
