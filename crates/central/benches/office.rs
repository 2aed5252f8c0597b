//! `cargo xtask bench office`: the back office's order list with a million orders in PostgreSQL
//! (issue 18). Loads the orders straight into a throwaway cluster, logs in as a back-office user
//! over HTTP, then times whole page loads (query and rendering) for the first page, filtered pages,
//! a page deep in the list, and the text searches. Prints p50/p99; asserts only that every page
//! answered 200 with the rows it should have.
//! `--smoke` (or `SKRANKE_BENCH_SMOKE=1`) runs it small, as `cargo xtask test` does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use chrono::Utc;
use uuid::Uuid;

/// Customers: one for every five orders.
const ORDERS_PER_CUSTOMER: i64 = 5;

fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("office", size);
    let orders: i64 = size.pick(1_000_000, 20_000);
    let rounds: usize = size.pick(200, 10);
    let postgres = skranke_testpg::TestServer::start().expect("PostgreSQL");
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = server_rt.block_on(async {
        let admin = sqlx::PgPool::connect(&postgres.url).await.unwrap();
        let name = format!("bench_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let url = skranke_testpg::with_database(&postgres.url, &name);
        let pool = skranke_central::connect(&url, 10).await.unwrap();
        skranke_central::migrate(&pool).await.unwrap();
        let t = Instant::now();
        load(&pool, orders).await;
        eprintln!("loaded {orders} orders in {:.1} s", t.elapsed().as_secs_f64());
        skranke_central::office::accounts::add_user(
            &pool,
            "Benk Leder",
            skranke_central::office::accounts::Role::Leder,
            "benk-passord-1",
            "benchmark",
            Utc::now(),
        )
        .await
        .unwrap();
        let app = skranke_central::router(skranke_central::AppState::new(pool.clone(), None));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    });

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    client_rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let cookie = log_in(&http, &base).await;
        // A page deep in the list: its cursor comes from walking 20 pages, as someone paging would.
        let mut deep = "/kontor/ordrer".to_string();
        for _ in 0..20 {
            let body = get(&http, &base, &cookie, &deep).await;
            deep = next_link(&body).expect("a next page");
        }
        let last = orders;
        let store_of = |i: i64| ["OSL", "BRG", "TRD"][(i % 3) as usize];
        let day = (Utc::now() - chrono::Duration::days(size.pick(30, 2)))
            .date_naive()
            .format("%Y-%m-%d");
        let phone = format!("%2B474{:07}", (last - 7) % (last / ORDERS_PER_CUSTOMER));
        let cases: Vec<(&str, String, usize)> = vec![
            ("first page", "/kontor/ordrer".into(), 50),
            ("store + status", "/kontor/ordrer?butikk=BRG&status=under_behandling".into(), 50),
            ("payment waiting", "/kontor/ordrer?betaling=venter".into(), 50),
            ("one day", format!("/kontor/ordrer?fra={day}&til={day}"), 50),
            ("page 21 (cursor)", deep, 50),
            ("text: order number", format!("/kontor/ordrer?sok={}1-{:07}", store_of(last - 3), last - 3), 1),
            ("text: phone", format!("/kontor/ordrer?sok={phone}"), ORDERS_PER_CUSTOMER as usize),
            ("text: name", "/kontor/ordrer?sok=bj%C3%B8rnstad".into(), 50),
        ];
        println!();
        println!("| page | rows | requests | p50 ms | p99 ms | max ms |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (label, path, rows) in cases {
            let mut samples = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let t = Instant::now();
                let body = get(&http, &base, &cookie, &path).await;
                samples.push(t.elapsed());
                assert_eq!(
                    body.matches("data-testid=\"order-row\"").count(),
                    rows,
                    "{label}: {path}"
                );
            }
            samples.sort();
            let at = |q: f64| ms(samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)]);
            println!(
                "| {label} | {rows} | {rounds} | {:.1} | {:.1} | {:.1} |",
                at(0.5),
                at(0.99),
                ms(*samples.last().unwrap())
            );
        }
        println!();
        println!(
            "{orders} orders, {} customers, 3 stores; whole page loads over HTTP (query and rendering), one at a time",
            orders / ORDERS_PER_CUSTOMER
        );
    });
    drop(server_rt);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A million orders in the shape the desks push them (store, device, customer, time, status,
/// payment, total), spread over the last year, in batches; then the statistics the planner uses.
async fn load(pool: &sqlx::PgPool, orders: i64) {
    for (id, name) in [
        ("OSL", "Skranke Oslo"),
        ("BRG", "Skranke Bergen"),
        ("TRD", "Skranke Trondheim"),
    ] {
        skranke_central::pairing::add_store(pool, id, name).await.unwrap();
        sqlx::query(
            "INSERT INTO devices (id, store_id, name, series, token_sha256, paired_at)
             VALUES ($1, $2, $2 || ' 1', $2 || '1', md5($2), now())",
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    }
    let customers = orders / ORDERS_PER_CUSTOMER;
    sqlx::query(
        "INSERT INTO customers (id, store_id, body, updated_at)
         SELECT md5('c' || i)::uuid, (ARRAY['OSL','BRG','TRD'])[1 + i % 3],
                jsonb_build_object(
                    'name', (ARRAY['Kari','Ola','Nora','Jakob','Emma','Filip','Ingrid','Lars','Sofie','Emil'])[1 + i % 10]
                            || ' ' || (ARRAY['Hansen','Johansen','Olsen','Larsen','Andersen','Pedersen','Nilsen','Kristiansen','Jensen','Karlsen',
                                             'Johnsen','Pettersen','Eriksen','Berg','Haugen','Hagen','Johannessen','Andreassen','Jacobsen','Dahl',
                                             'Jørgensen','Halvorsen','Henriksen','Lund','Sørensen','Jakobsen','Moen','Gundersen','Iversen','Strand',
                                             'Solberg','Svendsen','Eide','Knutsen','Martinsen','Paulsen','Bakken','Kristoffersen','Mathisen','Lie',
                                             'Amundsen','Nguyen','Rasmussen','Ali','Lunde','Solheim','Berge','Moe','Nygård','Bjørnstad'])[1 + (i / 10) % 50],
                    'phone', '+474' || lpad(i::text, 7, '0')),
                now() - (i || ' minutes')::interval
         FROM generate_series(0, $1 - 1) AS i",
    )
    .bind(customers)
    .execute(pool)
    .await
    .unwrap();
    let batch = 100_000.min(orders);
    let mut from = 1;
    while from <= orders {
        let to = (from + batch - 1).min(orders);
        sqlx::query(
            "INSERT INTO orders (id, number, store_id, device_id, customer_id, placed_at, received_at, status,
                                 tracking_number, total_ore, body, updated_at, payment_method, payment_state, email_state)
             SELECT md5('o' || i)::uuid,
                    s.id || '1-' || lpad(i::text, 7, '0'),
                    s.id, d.id,
                    md5('c' || (i % $3))::uuid,
                    $4::timestamptz - (($2 - i) * 30 || ' seconds')::interval,
                    $4::timestamptz - (($2 - i) * 30 || ' seconds')::interval,
                    CASE WHEN $2 - i < 2000 THEN 'under_behandling' WHEN i % 50 = 0 THEN 'kansellert'
                         WHEN $2 - i < 20000 THEN 'sendt' ELSE 'levert' END,
                    CASE WHEN $2 - i < 2000 THEN NULL ELSE '70' || lpad(i::text, 15, '0') END,
                    10000 + (i * 7919) % 500000,
                    '{}'::jsonb, now(),
                    (ARRAY['vipps','klarna_faktura','kort'])[1 + i % 3],
                    CASE WHEN $2 - i < 2000 AND i % 4 = 0 THEN 'sent' WHEN $2 - i < 2000 THEN 'reserved'
                         WHEN i % 97 = 0 THEN 'refunded' ELSE 'captured' END,
                    'sent'
             FROM generate_series($1, $5) AS i
             JOIN stores s ON s.id = (ARRAY['OSL','BRG','TRD'])[1 + i % 3]
             JOIN devices d ON d.store_id = s.id",
        )
        .bind(from)
        .bind(orders)
        .bind(customers)
        .bind(Utc::now())
        .bind(to)
        .execute(pool)
        .await
        .unwrap();
        from = to + 1;
    }
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
}

async fn log_in(http: &reqwest::Client, base: &str) -> String {
    let form = http.get(format!("{base}/kontor/logg-inn")).send().await.unwrap();
    let login_cookie = form
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = form.text().await.unwrap();
    let at = body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let token = body[at..].split('"').next().unwrap();
    let r = http
        .post(format!("{base}/kontor/logg-inn"))
        .header("cookie", login_cookie)
        .form(&[
            ("name", "Benk Leder"),
            ("password", "benk-passord-1"),
            ("csrf", token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("skranke_kontor="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn get(http: &reqwest::Client, base: &str, cookie: &str, path: &str) -> String {
    let r = http
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

fn next_link(html: &str) -> Option<String> {
    let at = html.find("data-testid=\"next-page\"")?;
    let tag = &html[html[..at].rfind('<')?..];
    let href = tag.find("href=\"")? + "href=\"".len();
    Some(tag[href..].split('"').next()?.replace("&amp;", "&"))
}
