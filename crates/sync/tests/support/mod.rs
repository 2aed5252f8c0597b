//! A central store for the sync crate's tests and benchmark: its real router on loopback, on a
//! throwaway PostgreSQL, with store OSL and a demo catalog.
#![allow(dead_code)] // each user takes what it needs

use chrono::{NaiveDate, Utc};
use skranke_core::Product;

/// Each request's path and `Range` header.
pub type RequestLog = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

/// One central store with store OSL and `products` demo products, served on a free port.
pub struct Central {
    pub pool: sqlx::PgPool,
    pub base: String,
    pub products: Vec<Product>,
    /// Every request's path and `Range` header, in order.
    pub requests: RequestLog,
    _postgres: skranke_testpg::TestServer,
}

impl Central {
    pub async fn start(products: usize) -> Central {
        Central::start_shifted(products, chrono::Duration::zero()).await
    }

    /// As [`Central::start`], its answers' `Date` `shift` ahead of the true time: as a desk whose
    /// clock is `shift` slow sees it.
    pub async fn start_shifted(products: usize, shift: chrono::Duration) -> Central {
        let postgres = skranke_testpg::TestServer::start().expect("PostgreSQL");
        let admin = sqlx::PgPool::connect(&postgres.url).await.unwrap();
        sqlx::query("CREATE DATABASE sync").execute(&admin).await.unwrap();
        let url = skranke_testpg::with_database(&postgres.url, "sync");
        let pool = skranke_central::connect(&url, 5).await.unwrap();
        skranke_central::migrate(&pool).await.unwrap();
        skranke_central::pairing::add_store(&pool, "OSL", "Skranke Oslo")
            .await
            .unwrap();
        let products: Vec<Product> = skranke_demo::products(products, 9, Utc::now(), today()).collect();
        skranke_central::feed_import::import_products(
            &pool,
            &products,
            skranke_central::feed_import::Completeness::Complete,
            Utc::now(),
        )
        .await
        .unwrap();
        let requests: RequestLog = RequestLog::default();
        let log = requests.clone();
        let app = skranke_central::router(skranke_central::AppState::new(pool.clone(), None))
            .layer(axum::middleware::map_request(move |r: axum::extract::Request| {
                let log = log.clone();
                async move {
                    let range = r
                        .headers()
                        .get(axum::http::header::RANGE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    log.lock().unwrap().push((r.uri().path().to_string(), range));
                    r
                }
            }))
            .layer(axum::middleware::map_response(
                move |mut r: axum::response::Response| async move {
                    let date = (Utc::now() + shift)
                        .format("%a, %d %b %Y %H:%M:%S GMT")
                        .to_string();
                    r.headers_mut()
                        .insert(axum::http::header::DATE, date.parse().unwrap());
                    r
                },
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Central {
            pool,
            base,
            products,
            requests,
            _postgres: postgres,
        }
    }

    /// A one-time pairing code for store OSL.
    pub async fn code(&self) -> String {
        skranke_central::pairing::create_code(&self.pool, "OSL", chrono::Duration::minutes(5), Utc::now())
            .await
            .unwrap()
    }

    /// Orders the central store holds.
    pub async fn orders(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM orders")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// The day the demo catalog and its orders are dated.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}
