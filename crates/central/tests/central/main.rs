//! The central store against a real PostgreSQL, through its HTTP API with a plain client.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod auth;
mod claims;
mod cli;
mod customer_merge;
mod desk_updates;
mod discounts;
mod exchange;
mod feed;
mod hostile;
mod integration;
mod mail;
mod office;
mod openapi;
mod order_change;
mod pairing;
mod payment_campaign;
mod payment_states;
mod payments;
mod personal_data;
mod photos;
mod pull;
mod push;
mod staff_audit;
mod stock;
mod support;
mod tls;
