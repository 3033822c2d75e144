//! A session's history as its agents see it, kept by the session task between turns so
//! that starting a turn does not read the store again.
//!
//! It is read from the store once (at the first turn after the session was opened or
//! resumed) and then only appended to: each message this connection accepts, each reply
//! of its own that completes. It knows it covers every message numbered below `next`;
//! when the store hands out a later number, another connection wrote to the session, and
//! the session drops this copy and reads the store again at its next turn. The store
//! stays the record; this is a cache of it.

use std::sync::Arc;

use crate::agent::{Role, Turn};
use crate::store::{EntryRole, EntryStatus, HistoryEntry};

#[derive(Debug)]
pub(super) struct History {
    /// In `message_number` order.
    messages: Vec<Message>,
    /// Every message numbered below this one is in `messages`.
    next: u32,
}

#[derive(Debug)]
struct Message {
    number: u32,
    id: String,
    text: Arc<str>,
    /// `(agent, text)` of the replies that completed, in agent order.
    replies: Vec<(Arc<str>, Arc<str>)>,
}

impl History {
    /// The history as the store holds it (`Store::history`'s entries).
    pub(super) fn from_store(entries: Vec<HistoryEntry>) -> History {
        let mut history = History {
            messages: Vec::new(),
            next: 1,
        };
        for entry in entries {
            match entry.role {
                EntryRole::User => {
                    history.next = history.next.max(entry.message_number + 1);
                    history.messages.push(Message {
                        number: entry.message_number,
                        id: entry.message_id,
                        text: entry.text.into(),
                        replies: Vec::new(),
                    });
                }
                EntryRole::Agent if entry.status == Some(EntryStatus::Completed) => {
                    history.completed(
                        &entry.message_id,
                        entry.agent.unwrap_or_default(),
                        entry.text.into(),
                    );
                }
                EntryRole::Agent => {}
            }
        }
        history
    }

    /// Records a message the store accepted with `number`. Returns `false` when the
    /// number shows messages this copy never saw (another connection's): then it no
    /// longer covers the session and must be read again.
    pub(super) fn accepted(&mut self, number: u32, id: &str, text: &str) -> bool {
        if number < self.next {
            // Sent before (a resend): already here.
            return true;
        }
        if number > self.next {
            return false;
        }
        self.messages.push(Message {
            number,
            id: id.to_owned(),
            text: text.into(),
            replies: Vec::new(),
        });
        self.next = number + 1;
        true
    }

    /// Records `agent`'s completed reply to `message_id`.
    pub(super) fn completed(&mut self, message_id: &str, agent: String, text: Arc<str>) {
        // Recent messages are the likely ones: search from the end.
        if let Some(message) = self.messages.iter_mut().rev().find(|m| m.id == message_id) {
            let at = message
                .replies
                .partition_point(|(other, _)| **other < *agent);
            message.replies.insert(at, (agent.into(), text));
        }
    }

    /// What an agent answering message `number` is shown: every earlier user message,
    /// each followed by the replies to it that completed.
    pub(super) fn before(&self, number: u32) -> Arc<[Turn]> {
        let mut turns = Vec::new();
        for message in self.messages.iter().take_while(|m| m.number < number) {
            turns.push(Turn {
                role: Role::User,
                agent: None,
                content: message.text.clone(),
            });
            turns.extend(message.replies.iter().map(|(agent, text)| Turn {
                role: Role::Assistant,
                agent: Some(agent.clone()),
                content: text.clone(),
            }));
        }
        turns.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::HistoryEntry;

    fn user(number: u32, id: &str, text: &str) -> HistoryEntry {
        HistoryEntry {
            role: EntryRole::User,
            message_id: id.into(),
            message_number: number,
            text: text.into(),
            agent: None,
            context: None,
            status: None,
            usage: None,
            error: None,
            created_at_ms: 0,
            finished_at_ms: None,
        }
    }

    fn reply(number: u32, id: &str, agent: &str, status: EntryStatus, text: &str) -> HistoryEntry {
        HistoryEntry {
            role: EntryRole::Agent,
            agent: Some(agent.into()),
            status: Some(status),
            ..user(number, id, text)
        }
    }

    fn shown(history: &History, number: u32) -> Vec<String> {
        history
            .before(number)
            .iter()
            .map(|turn| match &turn.agent {
                Some(agent) => format!("{agent}: {}", turn.content),
                None => format!("user: {}", turn.content),
            })
            .collect()
    }

    #[test]
    fn the_stored_history_shows_user_messages_and_completed_replies_only() {
        let history = History::from_store(vec![
            user(1, "m1", "hi"),
            reply(1, "m1", "a", EntryStatus::Completed, "hello"),
            reply(1, "m1", "b", EntryStatus::Failed, "hel"),
            user(2, "m2", "again"),
            reply(2, "m2", "a", EntryStatus::Streaming, ""),
        ]);
        assert_eq!(shown(&history, 2), ["user: hi", "a: hello"]);
        assert_eq!(shown(&history, 3), ["user: hi", "a: hello", "user: again"]);
    }

    #[test]
    fn appended_messages_and_replies_keep_the_stores_order() {
        let mut history = History::from_store(vec![user(1, "m1", "one")]);
        assert!(history.accepted(2, "m2", "two"));
        // A queued third message is accepted before the second's replies end.
        assert!(history.accepted(3, "m3", "three"));
        history.completed("m2", "zed".into(), "z".into());
        history.completed("m2", "alpha".into(), "a".into());
        history.completed("m1", "alpha".into(), "first".into());
        assert_eq!(
            shown(&history, 4),
            [
                "user: one",
                "alpha: first",
                "user: two",
                "alpha: a",
                "zed: z",
                "user: three"
            ]
        );
        // A resend of a known message changes nothing.
        assert!(history.accepted(2, "m2", "two"));
        assert_eq!(shown(&history, 3).len(), 5);
    }

    #[test]
    fn a_number_past_the_next_one_means_the_copy_is_stale() {
        let mut history = History::from_store(Vec::new());
        assert!(history.accepted(1, "m1", "one"));
        assert!(
            !history.accepted(3, "m3", "three"),
            "message 2 came from elsewhere"
        );
    }
}
