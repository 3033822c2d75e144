//! The session store's contract, run on both engines: every test below runs once on a
//! SQLite file and once on its own database of the local PostgreSQL server.

#[path = "support/test_db.rs"]
mod test_db;

use std::collections::BTreeSet;
use std::time::Duration;

use duplex_connector::store::{
    Accepted, EntryRole, EntryStatus, HistoryEntry, ReplyStatus, Store, StoreError,
};
use duplex_connector::usage::TokenUsage;
use serde_json::json;
use test_db::TestDb;

/// Defines each test twice, in `mod sqlite` and `mod postgres`, with `$db` bound to a fresh
/// [`TestDb`] of that engine.
macro_rules! on_both_engines {
    ($(async fn $name:ident($db:ident) $body:block)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let $db = TestDb::sqlite().await;
                    $body
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let $db = TestDb::postgres().await;
                    $body
                }
            )*
        }
    };
}

const MAX: u32 = 100;

/// A session `s1` on connector `/ws` created at t=1000.
async fn store_with_session(db: &TestDb) -> Store {
    let store = db.open().await;
    store.create_session("s1", "/ws", 1000).await.unwrap();
    store
}

/// One history entry as `(role, message_number, agent, text, status)`.
type Line<'a> = (
    EntryRole,
    u32,
    Option<&'a str>,
    &'a str,
    Option<EntryStatus>,
);

/// Checks the session `s1`'s history line by line, the part most tests check.
async fn check_history(store: &Store, expected: &[Line<'_>]) {
    let history = store.history("s1").await.unwrap();
    let actual: Vec<Line> = history
        .iter()
        .map(|entry| {
            (
                entry.role,
                entry.message_number,
                entry.agent.as_deref(),
                entry.text.as_str(),
                entry.status,
            )
        })
        .collect();
    assert_eq!(actual, expected);
}

on_both_engines! {
    async fn sessions_are_created_read_and_touched(db) {
        let store = store_with_session(&db).await;
        let session = store.get_session("s1").await.unwrap().unwrap();
        assert_eq!(
            (session.id.as_str(), session.connector.as_str()),
            ("s1", "/ws")
        );
        assert_eq!(
            (session.created_at_ms, session.last_active_ms, session.message_count),
            (1000, 1000, 0)
        );
        store.touch_session("s1", 5000).await.unwrap();
        let session = store.get_session("s1").await.unwrap().unwrap();
        assert_eq!((session.created_at_ms, session.last_active_ms), (1000, 5000));
        assert_eq!(store.get_session("nope").await.unwrap(), None);
    }

    async fn a_taken_session_id_or_an_unknown_one_is_an_error(db) {
        let store = store_with_session(&db).await;
        let taken = store.create_session("s1", "/other", 2000).await.unwrap_err();
        assert!(matches!(taken, StoreError::AlreadyExists { .. }), "{taken}");
        let unknown = store.touch_session("nope", 2000).await.unwrap_err();
        assert!(matches!(unknown, StoreError::NotFound { .. }), "{unknown}");
        assert_eq!(unknown.to_string(), "session `nope` not found");
        let unknown = store
            .record_user_message("nope", "m1", "hi", None, MAX, 2000)
            .await
            .unwrap_err();
        assert!(matches!(unknown, StoreError::NotFound { .. }), "{unknown}");
        // The failed create left the first session untouched.
        let session = store.get_session("s1").await.unwrap().unwrap();
        assert_eq!(session.connector, "/ws");
    }

    async fn user_messages_are_numbered_from_one_and_touch_the_session(db) {
        let store = store_with_session(&db).await;
        for (n, id) in ["m1", "m2", "m3"].into_iter().enumerate() {
            let number = store
                .record_user_message("s1", id, "hi", None, MAX, 2000 + n as i64)
                .await
                .unwrap();
            assert_eq!(number, Some(n as u32 + 1));
        }
        let session = store.get_session("s1").await.unwrap().unwrap();
        assert_eq!((session.message_count, session.last_active_ms), (3, 2002));
    }

    async fn the_limit_stops_counting_and_storing(db) {
        let store = store_with_session(&db).await;
        assert_eq!(store.record_user_message("s1", "m1", "one", None, 2, 2000).await.unwrap(), Some(1));
        assert_eq!(store.record_user_message("s1", "m2", "two", None, 2, 2001).await.unwrap(), Some(2));
        assert_eq!(store.record_user_message("s1", "m3", "three", None, 2, 2002).await.unwrap(), None);
        assert_eq!(store.get_session("s1").await.unwrap().unwrap().message_count, 2);
        check_history(&store, &[
            (EntryRole::User, 1, None, "one", None),
            (EntryRole::User, 2, None, "two", None),
        ]).await;
        // A higher limit (a connector reconfigured) lets the session go on.
        assert_eq!(store.record_user_message("s1", "m3", "three", None, 3, 2003).await.unwrap(), Some(3));
    }

    async fn a_repeated_message_id_keeps_its_number_and_is_not_counted(db) {
        let store = store_with_session(&db).await;
        assert_eq!(store.record_user_message("s1", "m1", "hi", None, MAX, 2000).await.unwrap(), Some(1));
        assert_eq!(store.record_user_message("s1", "m2", "yo", None, MAX, 2001).await.unwrap(), Some(2));
        assert_eq!(store.record_user_message("s1", "m1", "hi again", None, MAX, 2002).await.unwrap(), Some(1));
        assert_eq!(store.get_session("s1").await.unwrap().unwrap().message_count, 2);
        // Even at the limit, a repeat gets its number back.
        assert_eq!(store.record_user_message("s1", "m2", "yo", None, 2, 2003).await.unwrap(), Some(2));
        check_history(&store, &[
            (EntryRole::User, 1, None, "hi", None),
            (EntryRole::User, 2, None, "yo", None),
        ]).await;
    }

    async fn history_holds_messages_and_replies_with_everything_stored(db) {
        let store = store_with_session(&db).await;
        let context = json!({"location": "New York", "nested": {"n": [1, 2.5, null]}});
        store.record_user_message("s1", "msg-001", "Weather?", Some(&context), MAX, 2000).await.unwrap();
        store.begin_reply("s1", "msg-001", "assistant", 2001).await.unwrap();
        store.begin_reply("s1", "msg-001", "critic", 2002).await.unwrap();
        let usage = TokenUsage::new(45, 15);
        store
            .finish_reply("s1", "msg-001", "assistant", "Sunny.", Some(&usage), ReplyStatus::Completed, None, 2010)
            .await
            .unwrap();
        store.record_user_message("s1", "msg-002", "And tomorrow?", None, MAX, 2020).await.unwrap();

        let history = store.history("s1").await.unwrap();
        assert_eq!(history.len(), 4, "{history:#?}");
        assert_eq!(
            history[0],
            HistoryEntry {
                role: EntryRole::User,
                message_id: "msg-001".into(),
                message_number: 1,
                text: "Weather?".into(),
                agent: None,
                context: Some(context),
                status: None,
                usage: None,
                error: None,
                created_at_ms: 2000,
                finished_at_ms: None,
            }
        );
        assert_eq!(
            history[1],
            HistoryEntry {
                role: EntryRole::Agent,
                message_id: "msg-001".into(),
                message_number: 1,
                text: "Sunny.".into(),
                agent: Some("assistant".into()),
                context: None,
                status: Some(EntryStatus::Completed),
                usage: Some(usage),
                error: None,
                created_at_ms: 2001,
                finished_at_ms: Some(2010),
            }
        );
        check_history(&store, &[
            (EntryRole::User, 1, None, "Weather?", None),
            (EntryRole::Agent, 1, Some("assistant"), "Sunny.", Some(EntryStatus::Completed)),
            (EntryRole::Agent, 1, Some("critic"), "", Some(EntryStatus::Streaming)),
            (EntryRole::User, 2, None, "And tomorrow?", None),
        ]).await;
        assert_eq!(store.history("unknown").await.unwrap(), vec![]);
    }

    async fn history_serializes_in_the_protocols_shape(db) {
        let store = store_with_session(&db).await;
        store.record_user_message("s1", "m1", "Hello!", None, MAX, 2000).await.unwrap();
        let usage = TokenUsage { estimated: true, ..TokenUsage::new(2, 3) };
        store
            .finish_reply("s1", "m1", "echo", "Hello!", Some(&usage), ReplyStatus::Completed, None, 2005)
            .await
            .unwrap();
        let history = serde_json::to_value(store.history("s1").await.unwrap()).unwrap();
        assert_eq!(
            history,
            json!([
                {"role": "user", "message_id": "m1", "message_number": 1, "text": "Hello!",
                 "created_at_ms": 2000},
                {"role": "agent", "message_id": "m1", "message_number": 1, "text": "Hello!",
                 "agent": "echo", "status": "completed",
                 "token_usage": {"prompt_tokens": 2, "candidates_tokens": 3, "total_tokens": 5,
                                 "estimated": true},
                 "created_at_ms": 2005, "finished_at_ms": 2005}
            ])
        );
    }

    async fn failed_and_cancelled_replies_keep_their_partial_text_and_error(db) {
        let store = store_with_session(&db).await;
        store.record_user_message("s1", "m1", "a", None, MAX, 2000).await.unwrap();
        store.record_user_message("s1", "m2", "b", None, MAX, 2001).await.unwrap();
        store.begin_reply("s1", "m1", "echo", 2002).await.unwrap();
        store
            .finish_reply("s1", "m1", "echo", "par", None, ReplyStatus::Cancelled, None, 2003)
            .await
            .unwrap();
        store
            .finish_reply("s1", "m2", "echo", "", None, ReplyStatus::Failed, Some("upstream 502"), 2004)
            .await
            .unwrap();
        let history = store.history("s1").await.unwrap();
        assert_eq!(
            (history[1].status, history[1].text.as_str(), history[1].usage),
            (Some(EntryStatus::Cancelled), "par", None)
        );
        assert_eq!(
            (history[3].status, history[3].error.as_deref()),
            (Some(EntryStatus::Failed), Some("upstream 502"))
        );
    }

    async fn replies_need_a_recorded_message_and_begin_only_once(db) {
        let store = store_with_session(&db).await;
        let missing = store.begin_reply("s1", "m1", "echo", 2000).await.unwrap_err();
        assert_eq!(missing.to_string(), "message `m1` in session `s1` not found");
        let missing = store
            .finish_reply("s1", "m1", "echo", "x", None, ReplyStatus::Completed, None, 2000)
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
        store.record_user_message("s1", "m1", "a", None, MAX, 2000).await.unwrap();
        store.begin_reply("s1", "m1", "echo", 2001).await.unwrap();
        let twice = store.begin_reply("s1", "m1", "echo", 2002).await.unwrap_err();
        assert!(matches!(twice, StoreError::AlreadyExists { .. }), "{twice}");
    }

    async fn replies_left_streaming_are_marked_interrupted_once(db) {
        let store = store_with_session(&db).await;
        for id in ["m1", "m2", "m3"] {
            store.record_user_message("s1", id, id, None, MAX, 2000).await.unwrap();
        }
        store.begin_reply("s1", "m1", "echo", 2001).await.unwrap();
        store.finish_reply("s1", "m1", "echo", "m1", None, ReplyStatus::Completed, None, 2002).await.unwrap();
        store.begin_reply("s1", "m3", "b", 2003).await.unwrap();
        store.begin_reply("s1", "m2", "echo", 2004).await.unwrap();
        store.begin_reply("s1", "m3", "a", 2005).await.unwrap();
        let interrupted = store.mark_interrupted("s1").await.unwrap();
        assert_eq!(
            interrupted,
            vec![
                ("m2".to_owned(), "echo".to_owned()),
                ("m3".to_owned(), "a".to_owned()),
                ("m3".to_owned(), "b".to_owned()),
            ]
        );
        assert_eq!(store.mark_interrupted("s1").await.unwrap(), vec![]);
        check_history(&store, &[
            (EntryRole::User, 1, None, "m1", None),
            (EntryRole::Agent, 1, Some("echo"), "m1", Some(EntryStatus::Completed)),
            (EntryRole::User, 2, None, "m2", None),
            (EntryRole::Agent, 2, Some("echo"), "", Some(EntryStatus::Interrupted)),
            (EntryRole::User, 3, None, "m3", None),
            (EntryRole::Agent, 3, Some("b"), "", Some(EntryStatus::Interrupted)),
            (EntryRole::Agent, 3, Some("a"), "", Some(EntryStatus::Interrupted)),
        ]).await;
    }

    async fn a_reply_reported_interrupted_stays_interrupted_when_it_ends(db) {
        let store = store_with_session(&db).await;
        store.record_user_message("s1", "m1", "a", None, MAX, 2000).await.unwrap();
        store.record_user_message("s1", "m2", "b", None, MAX, 2001).await.unwrap();
        store.begin_reply("s1", "m1", "echo", 2002).await.unwrap();
        store.begin_reply("s1", "m2", "echo", 2003).await.unwrap();
        // A resume (another connection) takes both for cut off; then their node ends them.
        assert_eq!(store.mark_interrupted("s1").await.unwrap().len(), 2);
        let kept = store
            .finish_reply("s1", "m1", "echo", "whole text", None, ReplyStatus::Completed, None, 2004)
            .await
            .unwrap();
        assert_eq!(kept, ReplyStatus::Interrupted);
        let kept = store
            .finish_reply("s1", "m2", "echo", "part", None, ReplyStatus::Interrupted, None, 2005)
            .await
            .unwrap();
        assert_eq!(kept, ReplyStatus::Interrupted);
        store.record_user_message("s1", "m3", "c", None, MAX, 2006).await.unwrap();
        store.begin_reply("s1", "m3", "echo", 2007).await.unwrap();
        let stored = store
            .finish_reply("s1", "m3", "echo", "c", None, ReplyStatus::Completed, None, 2008)
            .await
            .unwrap();
        assert_eq!(stored, ReplyStatus::Completed);
        check_history(&store, &[
            (EntryRole::User, 1, None, "a", None),
            (EntryRole::Agent, 1, Some("echo"), "whole text", Some(EntryStatus::Interrupted)),
            (EntryRole::User, 2, None, "b", None),
            (EntryRole::Agent, 2, Some("echo"), "part", Some(EntryStatus::Interrupted)),
            (EntryRole::User, 3, None, "c", None),
            (EntryRole::Agent, 3, Some("echo"), "c", Some(EntryStatus::Completed)),
        ]).await;
    }

    async fn two_stores_on_one_database_honour_the_limit_exactly(db) {
        const LIMIT: u32 = 10;
        let (a, b) = (db.open().await, db.open().await);
        a.create_session("s1", "/ws", 1000).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                store
                    .record_user_message("s1", &format!("m{i}"), "hi", None, LIMIT, 2000 + i)
                    .await
                    .unwrap()
            }));
        }
        let mut numbers = Vec::new();
        for task in tasks {
            numbers.extend(task.await.unwrap());
        }
        numbers.sort();
        assert_eq!(numbers, (1..=LIMIT).collect::<Vec<_>>());
        assert_eq!(b.get_session("s1").await.unwrap().unwrap().message_count, LIMIT);
        let history = a.history("s1").await.unwrap();
        let numbered: BTreeSet<u32> = history.iter().map(|entry| entry.message_number).collect();
        assert_eq!((history.len(), numbered.len()), (LIMIT as usize, LIMIT as usize));
    }

    async fn accepting_a_message_claims_its_replies_once(db) {
        let store = store_with_session(&db).await;
        let agents = vec!["a".to_owned(), "b".to_owned()];
        let first = store.accept_message("s1", "m1", "hi", None, &agents, MAX, 2000).await.unwrap();
        assert_eq!(first, Some(Accepted { number: 1, claimed: agents.clone() }));
        // Sent again: same number, nothing to answer.
        let again = store.accept_message("s1", "m1", "hi", None, &agents, MAX, 2001).await.unwrap();
        assert_eq!(again, Some(Accepted { number: 1, claimed: vec![] }));
        // A message recorded with no reply begun yet is still claimable.
        store.record_user_message("s1", "m2", "yo", None, MAX, 2002).await.unwrap();
        let later = store.accept_message("s1", "m2", "yo", None, &agents[..1], MAX, 2003).await.unwrap();
        assert_eq!(later, Some(Accepted { number: 2, claimed: vec!["a".to_owned()] }));
        // The claims are on record: a resume would report them.
        let streaming = store.mark_interrupted("s1").await.unwrap();
        assert_eq!(streaming.len(), 3, "{streaming:?}");
        // At the limit, nothing is stored or claimed.
        let full = store.accept_message("s1", "m3", "no", None, &agents, 2, 2004).await.unwrap();
        assert_eq!(full, None);
        assert_eq!(store.history("s1").await.unwrap().len(), 5);
    }

    async fn one_of_two_racing_copies_of_a_message_claims_its_replies(db) {
        let (a, b) = (db.open().await, db.open().await);
        a.create_session("s1", "/ws", 1000).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let agents = ["echo".to_owned()];
                store.accept_message("s1", "dup", "hi", None, &agents, MAX, 2000 + i).await.unwrap()
            }));
        }
        let mut claims = 0;
        for task in tasks {
            let accepted = task.await.unwrap().expect("under the limit");
            assert_eq!(accepted.number, 1);
            claims += accepted.claimed.len();
        }
        assert_eq!(claims, 1);
    }

    async fn the_same_message_sent_at_once_through_two_stores_is_counted_once(db) {
        let (a, b) = (db.open().await, db.open().await);
        a.create_session("s1", "/ws", 1000).await.unwrap();
        a.record_user_message("s1", "first", "hi", None, MAX, 1500).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                store.record_user_message("s1", "dup", "hi", None, MAX, 2000 + i).await.unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), Some(2));
        }
        assert_eq!(a.get_session("s1").await.unwrap().unwrap().message_count, 2);
    }

    async fn many_accepts_at_once_share_commits_and_keep_numbers_and_the_limit(db) {
        const LIMIT: u32 = 150;
        let store = store_with_session(&db).await;
        store.create_session("s2", "/ws", 1000).await.unwrap();
        let agents = ["echo".to_owned()];
        let before = batch_counters();
        // 400 accepts queued at once, on two sessions, 50 each over the limit.
        let accepts = (0..400i64).map(|i| {
            let (store, agents) = (&store, &agents);
            async move {
                let session = if i % 2 == 0 { "s1" } else { "s2" };
                let accepted = store
                    .accept_message(session, &format!("m{i}"), "hi", None, agents, LIMIT, 2000 + i)
                    .await
                    .unwrap();
                (session, accepted)
            }
        });
        let results = futures::future::join_all(accepts).await;
        let after = batch_counters();
        for session in ["s1", "s2"] {
            let mut numbers = Vec::new();
            let mut refused = 0;
            for (_, accepted) in results.iter().filter(|(s, _)| *s == session) {
                match accepted {
                    Some(accepted) => {
                        assert_eq!(accepted.claimed, agents);
                        numbers.push(accepted.number);
                    }
                    None => refused += 1,
                }
            }
            numbers.sort();
            assert_eq!(numbers, (1..=LIMIT).collect::<Vec<_>>(), "{session}");
            assert_eq!(refused, 200 - LIMIT as usize, "{session}");
            let record = store.get_session(session).await.unwrap().unwrap();
            assert_eq!(record.message_count, LIMIT);
            assert_eq!(store.mark_interrupted(session).await.unwrap().len(), LIMIT as usize);
        }
        // Fewer transactions than writes: they were committed together. (The counters are
        // process-wide, and every other test only adds to the difference.)
        let shared = (after.1 - before.1) - (after.0 - before.0);
        assert!(shared >= 200, "400 writes in {} transactions", after.0 - before.0);
    }

    async fn a_write_the_database_refuses_fails_alone_in_its_batch(db) {
        let store = store_with_session(&db).await;
        for i in 0..5 {
            store.record_user_message("s1", &format!("m{i}"), "hi", None, MAX, 2000 + i).await.unwrap();
        }
        // PostgreSQL refuses a NUL character in text (SQLite stores it): one finished reply
        // carries one, queued together with four other finishes and ten accepts.
        let refuses_nul = db.url.starts_with("postgres");
        let finishes = (0..5i64).map(|i| {
            let store = &store;
            async move {
                let text = if i == 2 { "bad\0text".to_owned() } else { format!("reply {i}") };
                store
                    .finish_reply("s1", &format!("m{i}"), "echo", &text, None, ReplyStatus::Completed, None, 3000 + i)
                    .await
            }
        });
        let accepts = (5..15i64).map(|i| {
            let store = &store;
            async move { store.record_user_message("s1", &format!("m{i}"), "hi", None, MAX, 3000 + i).await }
        });
        let (finished, accepted) = futures::future::join(
            futures::future::join_all(finishes),
            futures::future::join_all(accepts),
        )
        .await;
        for (i, result) in finished.iter().enumerate() {
            if i == 2 && refuses_nul {
                assert!(matches!(result, Err(StoreError::Database(_))), "{result:?}");
            } else {
                assert_eq!(result.as_ref().ok(), Some(&ReplyStatus::Completed), "reply {i}: {result:?}");
            }
        }
        let mut numbers: Vec<u32> = accepted.into_iter().map(|result| result.unwrap().unwrap()).collect();
        numbers.sort();
        assert_eq!(numbers, (6..=15).collect::<Vec<_>>());
        let history = store.history("s1").await.unwrap();
        let replies = history.iter().filter(|entry| entry.role == EntryRole::Agent).count();
        assert_eq!((history.len() - replies, replies), (15, if refuses_nul { 4 } else { 5 }));
    }

    async fn finishing_a_reply_is_activity_on_its_session(db) {
        let store = store_with_session(&db).await;
        store.record_user_message("s1", "m1", "hi", None, MAX, 2000).await.unwrap();
        store.finish_reply("s1", "m1", "echo", "hi", None, ReplyStatus::Completed, None, 5000).await.unwrap();
        assert_eq!(store.get_session("s1").await.unwrap().unwrap().last_active_ms, 5000);
        // A reply that ends late never moves the activity back.
        store.record_user_message("s1", "m2", "yo", None, MAX, 7000).await.unwrap();
        store.finish_reply("s1", "m1", "other", "hi", None, ReplyStatus::Completed, None, 6000).await.unwrap();
        assert_eq!(store.get_session("s1").await.unwrap().unwrap().last_active_ms, 7000);
    }

    async fn history_survives_closing_and_reopening(db) {
        let store = store_with_session(&db).await;
        store.record_user_message("s1", "m1", "kept", None, MAX, 2000).await.unwrap();
        store
            .finish_reply("s1", "m1", "echo", "kept", Some(&TokenUsage::new(1, 1)), ReplyStatus::Completed, None, 2001)
            .await
            .unwrap();
        store.close().await;
        // Reopening runs the (already applied) migrations again: a no-op.
        let reopened = db.open().await;
        check_history(&reopened, &[
            (EntryRole::User, 1, None, "kept", None),
            (EntryRole::Agent, 1, Some("echo"), "kept", Some(EntryStatus::Completed)),
        ]).await;
        assert_eq!(
            reopened.record_user_message("s1", "m2", "next", None, MAX, 3000).await.unwrap(),
            Some(2)
        );
    }
}

/// `(transactions, writes)` of every store's group-commit writer in this process so far,
/// from the metrics page.
fn batch_counters() -> (u64, u64) {
    duplex_connector::metrics::handle();
    let page = duplex_connector::metrics::render();
    let read = |name: &str| {
        page.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    };
    (
        read(duplex_connector::metrics::STORE_BATCHES),
        read(duplex_connector::metrics::STORE_BATCHED_WRITES),
    )
}

#[tokio::test]
async fn an_unknown_url_scheme_says_which_ones_work() {
    let error = Store::connect("mysql://root@localhost/duplex")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidUrl { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("sqlite://PATH") && message.contains("postgres://"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_names_the_url_without_its_password_and_a_fix() {
    // Port 1 on loopback: nothing listens there.
    let error = Store::connect("postgres://app:hunter2@127.0.0.1:1/duplex")
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Connect { .. }), "{message}");
    assert!(
        message.contains("postgres://app:***@127.0.0.1:1/duplex"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("ensure-postgres.sh"), "{message}");
}

#[tokio::test]
async fn the_sqlite_file_is_created_in_wal_mode() {
    let db = TestDb::sqlite().await;
    let store = db.open().await;
    store.create_session("s1", "/ws", 1).await.unwrap();
    let path = db.url.trim_start_matches("sqlite://");
    let wal = format!("{path}-wal");
    assert!(
        std::path::Path::new(path).exists(),
        "{path} was not created"
    );
    assert!(
        std::path::Path::new(&wal).exists(),
        "no WAL file next to {path}"
    );
}

#[tokio::test]
async fn the_sqlite_wal_is_checkpointed_while_the_store_is_open() {
    // Commits never checkpoint; the checkpointer thread copies the WAL into the database
    // file beside them. About 1.6 MB of messages is well under the 1,000 pages (4 MB)
    // at which SQLite would checkpoint inside a commit by default.
    let db = TestDb::sqlite().await;
    let store = store_with_session(&db).await;
    let path = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://"));
    let size = || std::fs::metadata(&path).map_or(0, |meta| meta.len());
    let before = size();
    let text = "x".repeat(8 * 1024);
    for n in 0..200 {
        let accepted = store
            .accept_message("s1", &format!("m{n}"), &text, None, &[], 1000, 2000)
            .await
            .unwrap();
        assert!(accepted.is_some());
    }
    for _ in 0..1000 {
        if size() > before + 1_500_000 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the database file grew from {before} to {} bytes in 10 s: the WAL was not checkpointed",
        size()
    );
}
