//! Backing up a running embedded marketplace and restoring it into a fresh instance.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use serde_json::json;

use crate::{
    orders::{checkout, market, put_item, shipping},
    support::*,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_committed_order() {
    let app = Arc::new(TestApp::new(TestDb::new(testkit::Backend::Sqlite).await).await);
    let m = Arc::new(market(&app).await);
    // Orders committed before the backup starts.
    let mut before = Vec::new();
    for i in 0..4 {
        put_item(&app, &m.buyer, &m.sauce, 1).await;
        let res = checkout(&app, &m.buyer, &format!("before-{i}"), shipping()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        before.push(res.json()["orders"][0]["id"].as_str().unwrap().to_owned());
    }
    // Writers keep going while the copy is made: orders placed and cancelled, accounts made.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let load = {
        let (app, m, stop, written) = (app.clone(), m.clone(), stop.clone(), written.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) && i < 200 {
                put_item(&app, &m.buyer, &m.coffee, 1).await;
                let res = checkout(&app, &m.buyer, &format!("during-{i}"), shipping()).await;
                assert_eq!(res.status, 201, "{}", res.text());
                let id = res.json()["orders"][0]["id"].as_str().unwrap().to_owned();
                let res = app
                    .post(
                        &format!("/api/v1/orders/{id}/cancel"),
                        Some(&m.buyer),
                        json!({}),
                    )
                    .await;
                assert_eq!(res.status, 200, "{}", res.text());
                app.signed_in(&format!("load-{i}@example.vn")).await;
                written.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
        })
    };
    while written.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let file = std::env::temp_dir().join(format!("marketplace-backup-{}.db", uuid::Uuid::now_v7()));
    let bytes = gateway::serve::backup(&app.db.conn, &file).await.unwrap();
    assert!(bytes > 0);
    let during = written.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    load.await.unwrap();
    // A second backup to the same name is refused rather than overwriting it.
    assert!(gateway::serve::backup(&app.db.conn, &file).await.is_err());

    // Restored into a fresh instance: every order committed before is there, the sessions
    // too, and the database is whole.
    let restored = TestApp::new(TestDb::sqlite_at(file).await).await;
    for id in &before {
        let res = restored
            .get(&format!("/api/v1/orders/{id}"), Some(&m.buyer))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["status"], "placed");
    }
    let mine = restored
        .get("/api/v1/orders?per_page=100", Some(&m.buyer))
        .await
        .json();
    let total = mine["total"].as_u64().unwrap() as usize;
    assert!(
        total >= before.len() + during.saturating_sub(1),
        "{total} orders restored, {} before and {during} during the backup",
        before.len()
    );
    use sea_orm::{ConnectionTrait, Statement};
    let check = restored
        .db
        .conn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(check.try_get_by_index::<String>(0).unwrap(), "ok");
}
