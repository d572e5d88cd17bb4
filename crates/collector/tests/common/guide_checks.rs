//! Store-level behaviour of the guide store, run against every implementation (SQLite in
//! tests/store.rs, ClickHouse in tests/clickhouse.rs), so both keep the same semantics.

use std::collections::BTreeMap;
use std::sync::Arc;

use guidepost_collector::guide_store::{Actor, Env, GuideError, GuideStore, Published};
use serde_json::{json, Value};

use super::T0;

pub fn guide(id: &str, body: &str) -> Value {
    json!({"id": id, "name": format!("Guide {id}"), "steps": [{"id": "a", "kind": "modal", "body": body}]})
}

/// A guide core refuses: a misspelt placement.
pub fn invalid(id: &str) -> Value {
    json!({"id": id, "name": "Bad", "steps": [{"id": "a", "kind": "tooltip", "target": {"selector": "#x"}, "placement": "botom-end", "body": "hi"}]})
}

pub enum Op {
    Save(&'static str, Value, Option<i64>),
    /// The guide, the environment, the draft revision the author saw (`If-Match`).
    Publish(&'static str, Env, Option<i64>),
    Promote(&'static str, Env, Env),
    Unpublish(&'static str, Env),
    Rollback(&'static str, Env, u32),
}

#[derive(Debug, PartialEq)]
pub enum Want {
    /// Saved at this revision, with these error paths.
    Rev(i64, Vec<&'static str>),
    Stale(i64),
    /// The environment serves this version now, and served that one before.
    Pub(Option<u32>, Option<u32>),
    NotFound,
    Conflict,
    Invalid,
    BadRequest,
}

fn outcome(r: Result<Published, GuideError>) -> Want {
    match r {
        Ok(p) => Want::Pub(p.version, p.replaced_version),
        Err(e) => refusal(e),
    }
}

fn refusal(e: GuideError) -> Want {
    match e {
        GuideError::Stale { revision } => Want::Stale(revision),
        GuideError::NotFound(_) => Want::NotFound,
        GuideError::Conflict(_) => Want::Conflict,
        GuideError::Invalid(_) => Want::Invalid,
        GuideError::BadRequest(_) => Want::BadRequest,
        GuideError::Store(m) => panic!("store error: {m}"),
    }
}

/// Text that must come back byte for byte: quotes, backslashes, SQL, control characters,
/// non-ASCII.
pub const NASTY: &str = "it's \\'; DROP TABLE guide_log; -- \"q\" \n\t\u{0} é 😀 </script>";

/// Runs a scripted history through `s` (an empty store) and checks every answer, what each
/// environment serves after every step, that published versions never change, that the
/// generation changes exactly when what is served changes, then the versions, the log and
/// the list.
pub fn check_guide_store(s: &dyn GuideStore) {
    let by = Actor { who: "ana", at: T0 };
    use Env::{Production as P, Staging as S};
    use Op::*;
    use Want::*;
    let mut mismatched = guide("other", "hi");
    mismatched["name"] = json!("Mismatch");
    // (case, operation, expected answer)
    let steps: Vec<(&str, Op, Want)> = vec![
        ("publish without a draft", Publish("tour", S, None), NotFound),
        ("a new guide based on revision 0", Save("tour", guide("tour", "one"), Some(0)), Rev(1, vec![])),
        ("a stale revision", Save("tour", guide("tour", "lost"), Some(0)), Stale(1)),
        ("an invalid draft is saved", Save("tour", invalid("tour"), Some(1)), Rev(2, vec!["$.steps[0].placement"])),
        ("publishing it is refused", Publish("tour", S, None), Invalid),
        ("an id other than the key's", Save("tour", mismatched, None), Rev(3, vec!["$.id"])),
        ("is refused too", Publish("tour", S, None), Invalid),
        ("untrusted text", Save("tour", guide("tour", NASTY), Some(3)), Rev(4, vec![])),
        ("publish a revision since replaced", Publish("tour", S, Some(3)), Stale(4)),
        ("first publish, of the revision the author saw", Publish("tour", S, Some(4)), Pub(Some(1), None)),
        ("promote from staging", Promote("tour", S, P), Pub(Some(1), None)),
        ("promote to itself", Promote("tour", S, S), BadRequest),
        ("a new draft", Save("tour", guide("tour", "two"), None), Rev(5, vec![])),
        ("publish again", Publish("tour", S, None), Pub(Some(2), Some(1))),
        ("promote from an environment serving nothing", Promote("other", S, P), Conflict),
        ("another guide", Save("other", guide("other", "x"), None), Rev(1, vec![])),
        ("published to production", Publish("other", P, None), Pub(Some(1), None)),
        ("promote from staging serving nothing of it", Promote("other", S, P), Conflict),
        ("unpublish production", Unpublish("tour", P), Pub(None, Some(1))),
        ("unpublish again: nothing to do", Unpublish("tour", P), Pub(None, None)),
        ("rollback to an unknown version", Rollback("tour", S, 7), NotFound),
        ("rollback staging to version 1", Rollback("tour", S, 1), Pub(Some(3), Some(2))),
        ("promote the rollback", Promote("tour", S, P), Pub(Some(3), None)),
    ];
    let mut served: BTreeMap<(Env, &str), u32> = BTreeMap::new();
    let mut seen: BTreeMap<(&str, u32), Value> = BTreeMap::new();
    let mut generation = s.generation().unwrap();
    let mut log = Vec::new();
    for (case, op, want) in steps {
        let (got, change) = match op {
            Save(id, json, m) => (s.save_draft(id, &json, m, &by).map_or_else(refusal, |x| Rev(x.revision, error_paths(&x))), None),
            Publish(id, env, m) => (outcome(s.publish(id, env, m, &by)), Some((id, env, "publish"))),
            Promote(id, from, to) => (outcome(s.promote(id, from, to, &by)), Some((id, to, "promote"))),
            Unpublish(id, env) => (outcome(s.unpublish(id, env, &by)), Some((id, env, "unpublish"))),
            Rollback(id, env, v) => (outcome(s.rollback(id, env, v, &by)), Some((id, env, "rollback"))),
        };
        assert_eq!(got, want, "{case}");
        let now = s.generation().unwrap();
        let logged = match (&got, change) {
            (Pub(v, r), Some((id, env, action))) if (v, r) != (&None, &None) => {
                match v {
                    Some(v) => served.insert((env, id), *v),
                    None => served.remove(&(env, id)),
                };
                log.push((action, env, id.to_string(), *v, *r));
                true
            }
            _ => false,
        };
        assert_eq!(now != generation, logged, "{case}: the generation changes exactly when what is served changes");
        generation = now;
        for env in Env::ALL {
            let got: Vec<(String, u64)> = s
                .published(env)
                .unwrap()
                .iter()
                .map(|(id, text)| {
                    let v: Value = serde_json::from_str(text).unwrap();
                    assert_eq!(v["id"], json!(id), "{case}");
                    (id.clone(), v["version"].as_u64().unwrap())
                })
                .collect();
            let want: Vec<(String, u64)> =
                served.iter().filter(|((e, _), _)| *e == env).map(|((_, id), v)| (id.to_string(), *v as u64)).collect();
            assert_eq!(got, want, "{case}: what {env} serves");
        }
        for id in ["tour", "other"] {
            for info in s.versions(id).unwrap().unwrap_or_default() {
                let v = s.version(id, info.version).unwrap().unwrap();
                let old = seen.entry((id, info.version)).or_insert_with(|| v.clone());
                assert_eq!(&v, old, "{case}: version {} of {id} never changes", info.version);
            }
        }
    }
    // Versions hold the draft as published, with "version": N.
    let bodies: Vec<(u32, Value, Value)> = (1..=3)
        .map(|n| {
            let v = s.version("tour", n).unwrap().unwrap();
            (n, v["version"].clone(), v["steps"][0]["body"].clone())
        })
        .collect();
    assert_eq!(bodies, vec![(1, json!(1), json!(NASTY)), (2, json!(2), json!("two")), (3, json!(3), json!(NASTY))]);
    assert_eq!(s.version("tour", 4).unwrap(), None);
    assert_eq!(s.versions("none").unwrap(), None, "no such guide");
    let versions: Vec<(u32, Vec<Env>, String, i64)> =
        s.versions("tour").unwrap().unwrap().into_iter().map(|v| (v.version, v.environments, v.created_by, v.created_at)).collect();
    assert_eq!(versions, vec![(3, vec![S, P], "ana".into(), T0), (2, vec![], "ana".into(), T0), (1, vec![], "ana".into(), T0)]);
    // The draft as saved last, text intact.
    let d = s.draft("tour").unwrap().unwrap();
    assert_eq!((d.revision, d.json.clone(), d.updated_by.as_str(), d.updated_at), (5, guide("tour", "two"), "ana", T0));
    assert_eq!(s.draft("none").unwrap(), None);
    // The log, newest first; filtered by guide; limited.
    let entries = s.log(None, 100).unwrap();
    let got: Vec<_> =
        entries.iter().map(|e| (e.action.as_str(), e.environment, e.guide_id.clone(), e.version, e.replaced_version)).collect();
    let want: Vec<_> = log.iter().rev().cloned().collect();
    assert_eq!(got, want);
    assert!(entries.windows(2).all(|w| w[0].seq > w[1].seq), "seq decreases: {entries:?}");
    assert!(entries.iter().all(|e| e.who == "ana" && e.at == T0));
    let tour: Vec<i64> = s.log(Some("tour"), 100).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(tour, entries.iter().filter(|e| e.guide_id == "tour").map(|e| e.seq).collect::<Vec<_>>());
    assert_eq!(s.log(None, 2).unwrap(), entries[..2].to_vec());
    // The list.
    let list: Vec<_> =
        s.list().unwrap().into_iter().map(|g| (g.id, g.name, g.draft_revision, g.published.staging, g.published.production)).collect();
    assert_eq!(
        list,
        vec![
            ("other".into(), Some("Guide other".into()), 1, None, Some(1)),
            ("tour".into(), Some("Guide tour".into()), 5, Some(3), Some(3)),
        ]
    );
}

fn error_paths(s: &guidepost_collector::guide_store::Saved) -> Vec<&'static str> {
    s.diagnostics
        .iter()
        .filter(|d| d.severity == guidepost_core::Severity::Error)
        .map(|d| match d.path.as_str() {
            "$.steps[0].placement" => "$.steps[0].placement",
            "$.id" => "$.id",
            other => panic!("unexpected error path {other}"),
        })
        .collect()
}

/// Writers racing through two handles on the same database (`a`, `b`): of the saves based
/// on one revision exactly one succeeds, the others are stale; concurrent publishes get
/// distinct version numbers, each holding the content it was published with; the log is
/// one sequence whose `replaced_version`s chain.
pub fn check_concurrent_writers(a: Arc<dyn GuideStore>, b: Arc<dyn GuideStore>) {
    let by = Actor { who: "race", at: T0 };
    a.save_draft("race", &guide("race", "start"), None, &by).unwrap();
    let handles = [a.clone(), b.clone()];
    // Eight saves all based on revision 1.
    let results: Vec<Result<i64, GuideError>> = std::thread::scope(|sc| {
        let ts: Vec<_> = (0..8)
            .map(|i| {
                let s = handles[i % 2].clone();
                let by = by.clone();
                sc.spawn(move || s.save_draft("race", &guide("race", &format!("w{i}")), Some(1), &by).map(|x| x.revision))
            })
            .collect();
        ts.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let won: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(won, vec![&Ok(2)], "exactly one save based on revision 1 succeeds: {results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(2) | Err(GuideError::Stale { revision: 2 }))), "{results:?}");
    // Publishes of different drafts through both handles at once.
    let published: Vec<(u32, String)> = std::thread::scope(|sc| {
        let ts: Vec<_> = (0..6)
            .map(|i| {
                let s = handles[i % 2].clone();
                let by = by.clone();
                sc.spawn(move || {
                    let mut out = Vec::new();
                    for round in 0..3 {
                        let body = format!("p{i}-{round}");
                        let id = format!("g{i}");
                        s.save_draft(&id, &guide(&id, &body), None, &by).unwrap();
                        let p = s.publish(&id, Env::Staging, None, &by).unwrap();
                        out.push((p.version.unwrap(), format!("{id}/{body}")));
                        // And everyone publishes the shared guide too.
                        let shared = format!("s{i}-{round}");
                        let mut last = Err(GuideError::Store("never".into()));
                        for _ in 0..20 {
                            let d = s.draft("race").unwrap().unwrap();
                            match s.save_draft("race", &guide("race", &shared), Some(d.revision), &by) {
                                Ok(_) => {
                                    last = Ok(());
                                    break;
                                }
                                Err(GuideError::Stale { .. }) => continue,
                                Err(e) => panic!("{e}"),
                            }
                        }
                        last.unwrap();
                        let p = s.publish("race", Env::Production, None, &by).unwrap();
                        out.push((p.version.unwrap(), format!("race/{}", p.version.unwrap())));
                    }
                    out
                })
            })
            .collect();
        ts.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    // Every version number of the shared guide was given once, 1..=18, each readable.
    let mut race: Vec<u32> = published.iter().filter(|(_, w)| w.starts_with("race/")).map(|(v, _)| *v).collect();
    race.sort();
    let listed: Vec<u32> = a.versions("race").unwrap().unwrap().iter().map(|v| v.version).rev().collect();
    assert_eq!(race, listed, "each publish got its own version number");
    for v in &race {
        let (x, y) = (a.version("race", *v).unwrap().unwrap(), b.version("race", *v).unwrap().unwrap());
        assert_eq!((&x, x["version"].as_u64()), (&y, Some(*v as u64)), "both handles read the same version {v}");
    }
    for i in 0..6 {
        let id = format!("g{i}");
        for (n, round) in (0..3).enumerate() {
            assert_eq!(a.version(&id, n as u32 + 1).unwrap().unwrap()["steps"][0]["body"], format!("p{i}-{round}"));
        }
    }
    // The log is one sequence: each entry of an environment and guide replaced the previous one.
    let log = b.log(None, 1000).unwrap();
    let mut seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), log.len(), "no seq given twice");
    let mut last: BTreeMap<(Env, String), Option<u32>> = BTreeMap::new();
    for e in log.iter().rev() {
        let prev = last.insert((e.environment, e.guide_id.clone()), e.version).flatten();
        assert_eq!(e.replaced_version, prev, "{e:?}");
    }
    let served = a.published(Env::Production).unwrap();
    let newest = log.iter().find(|e| e.guide_id == "race").unwrap().version.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&served[0].1).unwrap()["version"].as_u64(), Some(newest as u64));
    assert_eq!(a.generation().unwrap(), b.generation().unwrap());
}
