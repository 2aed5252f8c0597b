//! Issue 18 item 1: the back office's accounts and sessions, as a browser meets them over HTTP: no
//! page without login, a new session id at login, CSRF on every form, roles, lockout, logout, a
//! strict Content-Security-Policy, and what a customer typed shown as text.

use std::collections::HashMap;

use chrono::Utc;
use skranke_central::office::accounts::{add_user, Role};
use skranke_protocol::MutationKind;

use crate::support::{at, catalog, mutation, order_placed, today, valid_order_with, TestServer, ADMIN_TOKEN};
use skranke_core::ShopPolicy;

/// A browser without script: keeps cookies, does not follow redirects.
pub(crate) struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    location: String,
    csp: String,
    pub(crate) body: String,
}

impl Browser {
    fn new(s: &TestServer) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: s.base.clone(),
            cookies: HashMap::new(),
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/kontor"),
                "{set}"
            );
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        Page {
            status: response.status().as_u16(),
            location: header("location"),
            csp: header("content-security-policy"),
            body: String::new(),
        }
        .with_body(response.text().await.unwrap())
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.read(r).await
    }

    /// Opens the login page and logs in; returns where it was sent.
    async fn log_in(&mut self, name: &str, password: &str) -> Page {
        let form = self.get("/kontor/logg-inn").await;
        let token = hidden_csrf(&form.body);
        self.post(
            "/kontor/logg-inn",
            &[("name", name), ("password", password), ("csrf", &token)],
        )
        .await
    }
}

impl Page {
    fn with_body(mut self, body: String) -> Page {
        self.body = body;
        self
    }
}

/// The value of the form's hidden `csrf` field.
fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

async fn users(s: &TestServer) -> i64 {
    s.count("office_users").await
}

#[tokio::test]
async fn no_page_without_login_and_a_new_session_id_at_login() {
    let s = TestServer::start().await;
    add_user(
        &s.pool,
        "Lise Leder",
        Role::Leder,
        "riktig-passord-1",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    let mut b = Browser::new(&s);
    for path in [
        "/kontor",
        "/kontor/ordrer",
        "/kontor/ordrer/rader",
        "/kontor/ordrer/OSL1-000001",
        "/kontor/ordrer/OSL1-000001/ordrebekreftelse.pdf",
        "/kontor/plukkliste",
        "/kontor/plukkliste.pdf?butikk=OSL",
        "/kontor/skranker",
        "/kontor/ansatte",
        "/kontor/katalog",
        "/kontor/katalog/1",
        "/kontor/personvern",
        "/kontor/revisjon",
        "/kontor/integrasjoner",
        "/kontor/brukere",
    ] {
        let p = b.get(path).await;
        assert_eq!(
            (p.status, p.location.as_str()),
            (303, "/kontor/logg-inn"),
            "{path}"
        );
    }
    let login = b.get("/kontor/logg-inn").await;
    assert_eq!(login.status, 200);
    assert!(
        login.csp.contains("default-src 'none'") && login.csp.contains("frame-ancestors 'none'"),
        "{}",
        login.csp
    );
    // Script only from the binary itself (the list's live refresh), never inline or from elsewhere.
    assert!(
        login.csp.contains("script-src 'self';") && !login.csp.contains("unsafe"),
        "{}",
        login.csp
    );

    // A session id planted before login (fixation) is not the one the login gives.
    b.cookies.insert("skranke_kontor".into(), "a".repeat(64));
    let wrong = b.log_in("Lise Leder", "feil-passord-1").await;
    assert_eq!(wrong.location, "/kontor/logg-inn?feil=passord");
    let p = b.get(&wrong.location).await;
    assert!(p.body.contains("Feil brukernavn eller passord."), "{}", p.body);
    let ok = b.log_in("Lise Leder", "riktig-passord-1").await;
    assert_eq!((ok.status, ok.location.as_str()), (303, "/kontor/ordrer"));
    let session = b.cookies["skranke_kontor"].clone();
    assert_ne!(session, "a".repeat(64));
    assert!(
        !b.cookies.contains_key("skranke_kontor_inn"),
        "the login token is spent"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM office_sessions WHERE id_sha256 = $1")
        .bind(skranke_protocol::payload_sha256(session.as_bytes()))
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1, "the session is stored as its hash only");
    let orders = b.get("/kontor/ordrer").await;
    assert_eq!(orders.status, 200);
    assert!(orders.body.contains("Lise Leder (leder)"), "{}", orders.body);

    // Logging in again gives yet another id; the old one is still its own session until it ends.
    let again = b.log_in("Lise Leder", "riktig-passord-1").await;
    assert_eq!(again.status, 303);
    assert_ne!(b.cookies["skranke_kontor"], session);

    // A login form posted from elsewhere (no token cookie, or another token) logs no one in.
    let mut other = Browser::new(&s);
    let forged = other
        .post(
            "/kontor/logg-inn",
            &[
                ("name", "Lise Leder"),
                ("password", "riktig-passord-1"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(forged.location, "/kontor/logg-inn?feil=skjema");
    assert!(!other.cookies.contains_key("skranke_kontor"));
}

#[tokio::test]
async fn forms_need_the_sessions_token_and_a_lager_user_cannot_do_what_a_leder_does() {
    let s = TestServer::start().await;
    add_user(
        &s.pool,
        "Lise Leder",
        Role::Leder,
        "riktig-passord-1",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    add_user(
        &s.pool,
        "Lars Lager",
        Role::Lager,
        "riktig-passord-2",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    let mut leder = Browser::new(&s);
    leder.log_in("Lise Leder", "riktig-passord-1").await;
    let page = leder.get("/kontor/brukere").await;
    assert_eq!(page.status, 200);
    let token = hidden_csrf(&page.body);
    let before = users(&s).await;

    let new_user = [
        ("name", "Nina Ny"),
        ("role", "lager"),
        ("password", "nytt-passord-3"),
    ];
    // Without a token, with another session's token: refused, nothing changed.
    let p = leder.post("/kontor/brukere", &new_user).await;
    assert!(p.status >= 400, "{}", p.status);
    let mut lager = Browser::new(&s);
    lager.log_in("Lars Lager", "riktig-passord-2").await;
    let lager_page = lager.get("/kontor/ordrer").await;
    let foreign = hidden_csrf(&lager_page.body);
    let mut with_foreign = new_user.to_vec();
    with_foreign.push(("csrf", &foreign));
    let p = leder.post("/kontor/brukere", &with_foreign).await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("kom ikke fra denne siden"), "{}", p.body);
    assert_eq!(users(&s).await, before);

    // A lager user: refused on the page and on the action, even with its own valid token.
    assert!(
        !lager_page.body.contains("/kontor/brukere"),
        "no link to what it may not open"
    );
    assert_eq!(lager.get("/kontor/brukere").await.status, 403);
    let mut as_lager = new_user.to_vec();
    as_lager.push(("csrf", &foreign));
    let p = lager.post("/kontor/brukere", &as_lager).await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("Bare en leder"), "{}", p.body);
    assert_eq!(users(&s).await, before);

    // The leder with the page's own token: added, and in the audit log by name.
    let mut good = new_user.to_vec();
    good.push(("csrf", &token));
    let p = leder.post("/kontor/brukere", &good).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/kontor/brukere"));
    assert_eq!(users(&s).await, before + 1);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM central_audit WHERE actor = 'kontoret (Lise Leder)' AND subject = 'Nina Ny'",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let mut nina = Browser::new(&s);
    assert_eq!(
        nina.log_in("Nina Ny", "nytt-passord-3").await.location,
        "/kontor/ordrer"
    );

    // Logout ends the session on the server: the old cookie opens nothing.
    let cookie = leder.cookies["skranke_kontor"].clone();
    let p = leder.post("/kontor/logg-ut", &[("csrf", &token)]).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/kontor/logg-inn"));
    leder.cookies.insert("skranke_kontor".into(), cookie);
    assert_eq!(leder.get("/kontor/ordrer").await.location, "/kontor/logg-inn");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let s = TestServer::start().await;
    add_user(
        &s.pool,
        "Lise Leder",
        Role::Leder,
        "riktig-passord-1",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    let mut b = Browser::new(&s);
    for i in 1..=4 {
        let p = b.log_in("Lise Leder", &format!("feil-{i}-passord")).await;
        assert_eq!(p.location, "/kontor/logg-inn?feil=passord", "try {i}");
    }
    let fifth = b.log_in("Lise Leder", "feil-5-passord").await;
    assert!(
        fifth.location.starts_with("/kontor/logg-inn?feil=sperret-"),
        "{}",
        fifth.location
    );
    let right = b.log_in("Lise Leder", "riktig-passord-1").await;
    assert!(
        right.location.starts_with("/kontor/logg-inn?feil=sperret-"),
        "{}",
        right.location
    );
    assert!(!b.cookies.contains_key("skranke_kontor"));
    let p = b.get(&right.location).await;
    assert!(p.body.contains("kontoen er sperret til kl."), "{}", p.body);
    // Text other than a time in the address is not shown.
    let p = b.get("/kontor/logg-inn?feil=sperret-ring+kundeservice").await;
    assert!(!p.body.contains("ring kundeservice"), "{}", p.body);
}

#[tokio::test]
async fn what_a_customer_typed_is_shown_as_text() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..1], |d| {
        d.customer.name = "<script>alert(1)</script> Ola \"><img src=x onerror=alert(2)>".into();
        d.customer.address.line1 = "Gata 1 \"><img src=x onerror=alert(3)>".into();
    });
    let r = s
        .push(
            &desk,
            vec![mutation(
                1,
                MutationKind::OrderPlaced,
                &order_placed("OSL1-000001", &order),
            )],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut b = lager(&s).await;
    let p = b.get("/kontor/ordrer").await;
    assert!(p.body.contains("OSL1-000001"), "{}", p.body);
    assert!(
        p.body.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; Ola &quot;&gt;&lt;img src=x onerror=alert(2)&gt;"
        ),
        "{}",
        p.body
    );
    assert!(!p.body.contains("<script>"), "{}", p.body);
    assert!(!p.body.contains("<img"), "{}", p.body);
    // The order's own page: the name, and the address line, as text.
    let p = b.get("/kontor/ordrer/OSL1-000001").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body
            .contains("Gata 1 &quot;&gt;&lt;img src=x onerror=alert(3)&gt;"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("<script>"), "{}", p.body);
    assert!(!p.body.contains("<img"), "{}", p.body);
    // The live refresh's rows, and a leder's export of the customer: text too.
    let rows = b.get("/kontor/ordrer/rader").await;
    assert!(rows.body.contains("&lt;script&gt;alert(1)"), "{}", rows.body);
    assert!(
        !rows.body.contains("<script") && !rows.body.contains("<img"),
        "{}",
        rows.body
    );
    add_user(
        &s.pool,
        "Lise Leder",
        Role::Leder,
        "riktig-passord-1",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    let mut leder = Browser::new(&s);
    leder.log_in("Lise Leder", "riktig-passord-1").await;
    let token = hidden_csrf(&leder.get("/kontor/personvern").await.body);
    let shown = leder
        .post(
            "/kontor/personvern/innsyn",
            &[("csrf", &token), ("telefon", "41234567")],
        )
        .await;
    assert!(
        shown.body.contains("onerror=alert(3)"),
        "the export shows the address: {}",
        shown.body
    );
    assert!(
        !shown.body.contains("<script>") && !shown.body.contains("<img"),
        "{}",
        shown.body
    );
}

/// The first leder comes from the command line, the password on standard input (never in the
/// arguments, where `ps` shows it); that user logs in on the page.
#[tokio::test]
async fn the_first_leder_is_added_from_the_command_line() {
    use std::io::Write;
    let s = TestServer::start().await;
    let run = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_skranke-central"))
            .args(args)
            .env("DATABASE_URL", &s.database_url)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = run(
        &["user", "add", "--role", "sjef", "Lise Leder"],
        "riktig-passord-1\n",
    );
    assert!(!ok && err.contains("ukjent rolle «sjef»"), "{err}");
    let (ok, _, err) = run(&["user", "add", "--role", "leder", "Lise Leder"], "kort\n");
    assert!(!ok && err.contains("minst 10 tegn"), "{err}");
    assert_eq!(s.count("office_users").await, 0);
    let (ok, out, err) = run(
        &["user", "add", "--role", "leder", "Lise Leder"],
        "riktig-passord-1\n",
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("Lise Leder kan logge inn i kontoret som leder."),
        "{out}"
    );
    let mut b = Browser::new(&s);
    assert_eq!(
        b.log_in("Lise Leder", "riktig-passord-1").await.location,
        "/kontor/ordrer"
    );
    assert_eq!(b.get("/kontor/brukere").await.status, 200);
}

/// The `href` of the link marked `data-testid="{testid}"`, as the browser would follow it.
fn link(html: &str, testid: &str) -> Option<String> {
    let at = html.find(&format!("data-testid=\"{testid}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..];
    let href = tag.find("href=\"")? + "href=\"".len();
    Some(tag[href..].split('"').next()?.replace("&amp;", "&"))
}

/// The order numbers in the list, in the order shown.
fn listed(html: &str) -> Vec<String> {
    html.split("data-testid=\"order-link\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_string())
        .collect()
}

/// Lars, a `lager` user, logged in.
async fn lager(s: &TestServer) -> Browser {
    add_user(
        &s.pool,
        "Lars Lager",
        Role::Lager,
        "riktig-passord-2",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    let mut b = Browser::new(s);
    b.log_in("Lars Lager", "riktig-passord-2").await;
    b
}

pub(crate) async fn leder(s: &TestServer) -> Browser {
    add_user(
        &s.pool,
        "Lise Leder",
        Role::Leder,
        "riktig-passord-1",
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    let mut b = Browser::new(s);
    b.log_in("Lise Leder", "riktig-passord-1").await;
    b
}

/// Issue 18 item 2: the list pages by keyset (every order once, newest first), and finds an order
/// by store, by phone in any spelling, by order number and by part of a name.
#[tokio::test]
async fn the_list_pages_through_every_order_once_and_finds_by_phone_number_and_name() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let oslo = s.pair("OSL").await;
    let bergen = s.pair("BRG").await;
    let oslo_orders: Vec<_> = (1..=55)
        .map(|i| {
            let order = valid_order_with(&products[..1], |d| {
                d.customer.name = format!("Kunde Nummer{i}");
                d.customer.phone = format!("4{:07}", 1000 + i);
            });
            mutation(
                i,
                MutationKind::OrderPlaced,
                &order_placed(&format!("OSL1-{i:06}"), &order),
            )
        })
        .collect();
    let r = s.push(&oslo, oslo_orders).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bergen_orders: Vec<_> = (1..=3)
        .map(|i| {
            let order = valid_order_with(&products[1..2], |d| {
                d.customer.name = "Berit Bergensen".into();
                d.customer.phone = "98765432".into();
            });
            mutation(
                i,
                MutationKind::OrderPlaced,
                &order_placed(&format!("BRG1-{i:06}"), &order),
            )
        })
        .collect();
    let r = s.push(&bergen, bergen_orders).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(s.count("orders").await, 58);

    let mut b = leder(&s).await;
    let first = b.get("/kontor/ordrer").await;
    let mut seen = listed(&first.body);
    assert_eq!(seen.len(), 50, "{}", first.body);
    let next = link(&first.body, "next-page").expect("a next page");
    let second = b.get(&next).await;
    let rest = listed(&second.body);
    assert_eq!(rest.len(), 8, "{}", second.body);
    assert!(
        link(&second.body, "next-page").is_none(),
        "the last page has no next"
    );
    seen.extend(rest);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 58, "every order once: {seen:?}");

    let only_bergen = listed(&b.get("/kontor/ordrer?butikk=brg").await.body);
    assert_eq!(only_bergen, ["BRG1-000003", "BRG1-000002", "BRG1-000001"]);
    let by_phone = listed(&b.get("/kontor/ordrer?sok=%2B47+400+01+007").await.body);
    assert_eq!(by_phone, ["OSL1-000007"]);
    let by_number = listed(&b.get("/kontor/ordrer?sok=osl1-000012").await.body);
    assert_eq!(by_number, ["OSL1-000012"]);
    let by_name = listed(&b.get("/kontor/ordrer?sok=bergensen&butikk=BRG").await.body);
    assert_eq!(by_name.len(), 3);
    let by_part = listed(&b.get("/kontor/ordrer?sok=nummer5").await.body);
    assert_eq!(by_part.len(), 7, "Nummer5 and Nummer50–55: {by_part:?}");
    let none = b.get("/kontor/ordrer?sok=ingen+slik").await;
    assert!(none.body.contains("Ingen ordrer passer."), "{}", none.body);
    let bad = b.get("/kontor/ordrer?fra=i+g%C3%A5r").await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("er ikke en dato"), "{}", bad.body);

    // A status filter: one order sent by the command line's API shows under "Sendt" alone.
    let r = s
        .post_json(
            "/v1/admin/orders/OSL1-000003/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        listed(&b.get("/kontor/ordrer?status=sendt").await.body),
        ["OSL1-000003"]
    );
}

/// Issue 18 item 2: the order page's actions, each through the same rules as the command line:
/// marked sent only with a tracking number, cancelled only before dispatch and only when confirmed,
/// the confirmation resent to a checked address; each by name in the history and the audit log.
#[tokio::test]
async fn the_warehouse_sends_cancels_and_resends_from_the_order_page() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let placed: Vec<_> = (1..=2)
        .map(|i| {
            let order = valid_order_with(&products[..2], |d| d.customer.email = "kari@example.no".into());
            mutation(
                i,
                MutationKind::OrderPlaced,
                &order_placed(&format!("OSL1-{i:06}"), &order),
            )
        })
        .collect();
    assert_eq!(s.push(&desk, placed).await.status, 200);
    let mut b = lager(&s).await;
    let status = |n: &'static str| {
        let pool = s.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT status FROM orders WHERE number = $1")
                .bind(n)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    let page = b.get("/kontor/ordrer/OSL1-000001").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Herav MVA 25 %"),
        "MVA per rate: {}",
        page.body
    );
    let token = hidden_csrf(&page.body);
    // Without a tracking number, or with one that is not one: refused, said why, nothing changed.
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/sendt",
            &[("csrf", &token), ("sporing", "")],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("må ha sporingsnummer"), "{}", p.body);
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/sendt",
            &[("csrf", &token), ("sporing", "70 71 <b>")],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(
        p.body.contains("value=\"70 71 &lt;b&gt;\""),
        "what was typed stays: {}",
        p.body
    );
    // Without the session's token: refused.
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/sendt",
            &[("sporing", "70712345678901234")],
        )
        .await;
    assert!(p.status >= 400);
    assert_eq!(status("OSL1-000001").await, "under_behandling");

    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/sendt",
            &[("csrf", &token), ("sporing", "70712345678901234")],
        )
        .await;
    assert_eq!(
        (p.status, p.location.as_str()),
        (303, "/kontor/ordrer/OSL1-000001?utfort=sendt")
    );
    assert_eq!(status("OSL1-000001").await, "sendt");
    let p = b.get(&p.location).await;
    assert!(p.body.contains("markert som sendt"), "{}", p.body);
    assert!(
        p.body.contains("kontoret (Lars Lager)"),
        "in the history: {}",
        p.body
    );
    let shipped_mail: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE kind = 'shipped'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(shipped_mail, 1, "the customer is told the tracking number");

    // A sent order cannot be cancelled; the other one can, once confirmed.
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/kanseller",
            &[("csrf", &token), ("bekreft", "ja")],
        )
        .await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains("kan ikke få status «Kansellert»"), "{}", p.body);
    let p = b
        .post("/kontor/ordrer/OSL1-000002/kanseller", &[("csrf", &token)])
        .await;
    assert_eq!(p.status, 422);
    assert_eq!(status("OSL1-000002").await, "under_behandling");
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000002/kanseller",
            &[("csrf", &token), ("bekreft", "ja")],
        )
        .await;
    assert_eq!(p.status, 303);
    assert_eq!(status("OSL1-000002").await, "kansellert");

    // Resend: a broken address is refused; a good one is a new generation of the mail.
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/send-bekreftelse",
            &[("csrf", &token), ("epost", "kari@")],
        )
        .await;
    assert_eq!(p.status, 422);
    let p = b
        .post(
            "/kontor/ordrer/OSL1-000001/send-bekreftelse",
            &[("csrf", &token), ("epost", "kari.ny@example.no")],
        )
        .await;
    assert_eq!(p.status, 303);
    let resent: (i32, String) = sqlx::query_as(
        "SELECT generation, recipient FROM mail_outbox m JOIN orders o ON o.id = m.order_id
         WHERE o.number = 'OSL1-000001' AND kind = 'confirmation' ORDER BY generation DESC LIMIT 1",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(resent, (2, "kari.ny@example.no".to_string()));
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM central_audit WHERE actor = 'kontoret (Lars Lager)' ORDER BY seq",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "innlogging i kontoret",
            "status endret",
            "status endret",
            "ordrebekreftelse sendt på nytt"
        ]
    );

    // The confirmation as a PDF, and an unknown order as a page that says so.
    let pdf = s
        .http
        .get(format!(
            "{}/kontor/ordrer/OSL1-000001/ordrebekreftelse.pdf",
            s.base
        ))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let p = b.get("/kontor/ordrer/OSL9-999999").await;
    assert_eq!(p.status, 404);
    assert!(p.body.contains("Fant ingen ordre OSL9-999999."), "{}", p.body);
}

/// The text of the element marked `data-testid="{testid}"` (its first text node).
fn text_of(html: &str, testid: &str) -> Option<String> {
    let at = html.find(&format!("data-testid=\"{testid}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    Some(rest[start..].split('<').next()?.to_string())
}

/// Issue 18 item 2, Skranker: a pairing code made on the page pairs a desk; the desk's version and
/// last contact show; a revoked desk is refused from its next request; a lager user can do none of it.
#[tokio::test]
async fn a_leder_pairs_and_revokes_desks_and_a_lager_user_cannot() {
    let s = TestServer::start().await;
    let mut b = leder(&s).await;
    let page = b.get("/kontor/skranker").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = hidden_csrf(&page.body);
    let made = b
        .post(
            "/kontor/skranker/paringskode",
            &[("csrf", &token), ("butikk", "OSL")],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let code = text_of(&made.body, "pairing-code").expect("the code on the page");
    let unknown = b
        .post(
            "/kontor/skranker/paringskode",
            &[("csrf", &token), ("butikk", "XYZ")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown.body.contains("Butikken XYZ finnes ikke"),
        "{}",
        unknown.body
    );

    let paired = s
        .post_json(
            "/v1/pair",
            None,
            &skranke_protocol::PairRequest {
                code,
                device_name: "Kasse <b>1</b>".into(),
                previous_series: None,
            },
        )
        .await;
    assert_eq!(paired.status, 201, "{}", paired.body);
    let desk: skranke_protocol::PairResponse = serde_json::from_value(paired.body).unwrap();
    // The desk says its version in its User-Agent, as the sync client does.
    let pulled = s
        .http
        .get(format!("{}/v1/pull?stream=orders&limit=10", s.base))
        .bearer_auth(&desk.token)
        .header("user-agent", "skranke-desk/0.1.7")
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.status(), 200);
    let page = b.get("/kontor/skranker").await;
    assert!(
        page.body.contains("Kasse &lt;b&gt;1&lt;/b&gt; (OSL1)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td>0.1.7</td>"), "{}", page.body);

    // A lager user: not the page, not a code, not a revocation.
    let mut lager = lager(&s).await;
    let lager_token = hidden_csrf(&lager.get("/kontor/ordrer").await.body);
    assert!(!lager
        .get("/kontor/ordrer")
        .await
        .body
        .contains("/kontor/skranker"));
    assert_eq!(lager.get("/kontor/skranker").await.status, 403);
    let codes = s.count("pairing_codes").await;
    let p = lager
        .post(
            "/kontor/skranker/paringskode",
            &[("csrf", &lager_token), ("butikk", "OSL")],
        )
        .await;
    assert_eq!(p.status, 403);
    let p = lager
        .post(
            "/kontor/skranker/sperr",
            &[("csrf", &lager_token), ("serie", "OSL1"), ("bekreft", "ja")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert_eq!(s.count("pairing_codes").await, codes);

    // Revoking needs the tick; then the desk's token opens nothing.
    let p = b
        .post("/kontor/skranker/sperr", &[("csrf", &token), ("serie", "OSL1")])
        .await;
    assert_eq!(p.status, 422);
    assert_eq!(
        s.get("/v1/pull?stream=orders&limit=1", Some(&desk.token))
            .await
            .status,
        200
    );
    let p = b
        .post(
            "/kontor/skranker/sperr",
            &[("csrf", &token), ("serie", "OSL1"), ("bekreft", "ja")],
        )
        .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/kontor/skranker"));
    assert_eq!(
        s.get("/v1/pull?stream=orders&limit=1", Some(&desk.token))
            .await
            .status,
        401
    );
    let page = b.get("/kontor/skranker").await;
    assert!(
        text_of(&page.body, "desk-state").unwrap().starts_with("Sperret"),
        "{}",
        page.body
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM central_audit WHERE actor = 'kontoret (Lise Leder)' ORDER BY seq",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        ["innlogging i kontoret", "paringskode laget", "skranke sperret"]
    );
}

/// Issue 18 item 2, Ansatte: add a person with a PIN the desks pull, refuse a bad PIN keeping the
/// name typed, deactivate; a lager user is refused.
#[tokio::test]
async fn a_leder_adds_and_deactivates_staff_and_a_lager_user_cannot() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let mut b = leder(&s).await;
    let page = b.get("/kontor/ansatte").await;
    assert_eq!(page.status, 200);
    let token = hidden_csrf(&page.body);
    let bad = b
        .post(
            "/kontor/ansatte",
            &[
                ("csrf", &token),
                ("butikk", "OSL"),
                ("navn", "Kari Nordmann"),
                ("pin", "12"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("PIN-en må ha 4–8 sifre."), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"Kari Nordmann\""),
        "the name stays typed: {}",
        bad.body
    );
    let p = b
        .post(
            "/kontor/ansatte",
            &[
                ("csrf", &token),
                ("butikk", "OSL"),
                ("navn", "Kari Nordmann"),
                ("pin", "4821"),
            ],
        )
        .await;
    assert_eq!(
        (p.status, p.location.as_str()),
        (303, "/kontor/ansatte?lagret=ja")
    );
    let pulled = s.get("/v1/pull?stream=staff&limit=100", Some(&desk.token)).await;
    assert!(
        pulled.body.to_string().contains("Kari Nordmann"),
        "{}",
        pulled.body
    );

    let mut lager = lager(&s).await;
    let lager_token = hidden_csrf(&lager.get("/kontor/ordrer").await.body);
    assert_eq!(lager.get("/kontor/ansatte").await.status, 403);
    let p = lager
        .post(
            "/kontor/ansatte",
            &[
                ("csrf", &lager_token),
                ("butikk", "OSL"),
                ("navn", "Lurt Inn"),
                ("pin", "1111"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    let p = lager
        .post(
            "/kontor/ansatte/deaktiver",
            &[
                ("csrf", &lager_token),
                ("butikk", "OSL"),
                ("navn", "Kari Nordmann"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    assert_eq!(s.count("staff").await, 1);

    let p = b
        .post(
            "/kontor/ansatte/deaktiver",
            &[("csrf", &token), ("butikk", "OSL"), ("navn", "Kari Nordmann")],
        )
        .await;
    assert_eq!(p.status, 303);
    let active: bool = sqlx::query_scalar("SELECT active FROM staff WHERE name = 'Kari Nordmann'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert!(!active);
}

/// Issue 18 item 2, Personvern (F8): a leder sees and downloads everything about a customer (and
/// that is audited), forgets them after confirming; a lager user can do neither.
#[tokio::test]
async fn a_leder_exports_and_forgets_a_customer_and_a_lager_user_cannot() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..1], |d| {
        d.customer.name = "Petter Personvern".into();
        d.customer.phone = "48123456".into();
    });
    let r = s
        .push(
            &desk,
            vec![mutation(
                1,
                MutationKind::OrderPlaced,
                &order_placed("OSL1-000001", &order),
            )],
        )
        .await;
    assert_eq!(r.status, 200);
    let mut lager = lager(&s).await;
    let lager_token = hidden_csrf(&lager.get("/kontor/ordrer").await.body);
    assert_eq!(lager.get("/kontor/personvern").await.status, 403);
    let p = lager
        .post(
            "/kontor/personvern/innsyn",
            &[("csrf", &lager_token), ("telefon", "48123456")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(!p.body.contains("Petter"), "{}", p.body);

    let mut b = leder(&s).await;
    let token = hidden_csrf(&b.get("/kontor/personvern").await.body);
    let bad = b
        .post(
            "/kontor/personvern/innsyn",
            &[("csrf", &token), ("telefon", "123")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let shown = b
        .post(
            "/kontor/personvern/innsyn",
            &[("csrf", &token), ("telefon", "+47 481 23 456")],
        )
        .await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("OSL1-000001") && shown.body.contains("Petter Personvern"));
    let file = s
        .http
        .post(format!("{}/kontor/personvern/innsyn.json", s.base))
        .header("cookie", b.cookie_header())
        .form(&[("csrf", token.as_str()), ("telefon", "48123456")])
        .send()
        .await
        .unwrap();
    assert!(file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("kundedata-4748123456.json"));
    let json: serde_json::Value = file.json().await.unwrap();
    assert_eq!(json["ordrer"].as_array().unwrap().len(), 1);

    let p = b
        .post(
            "/kontor/personvern/slett",
            &[("csrf", &token), ("telefon", "48123456")],
        )
        .await;
    assert_eq!(p.status, 422);
    assert_eq!(s.count("customers").await, 1);
    let p = b
        .post(
            "/kontor/personvern/slett",
            &[("csrf", &token), ("telefon", "48123456"), ("bekreft", "ja")],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("Kunderegisteret: 1 oppføring(er) slettet."),
        "{}",
        p.body
    );
    let name: String = sqlx::query_scalar("SELECT body->>'name' FROM customers")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_ne!(
        name, "Petter Personvern",
        "the kept sale no longer names the customer"
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM central_audit WHERE actor = 'kontoret (Lise Leder)' ORDER BY seq",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "innlogging i kontoret",
            "innsyn i kundedata (F8)",
            "innsyn i kundedata (F8)",
            "kunde slettet (F8)"
        ]
    );
}

/// Issue 18 item 2, Revisjon: the page recomputes the chain; an entry changed in the database shows.
#[tokio::test]
async fn the_audit_page_shows_a_changed_entry() {
    let s = TestServer::start().await;
    let mut b = leder(&s).await;
    let page = b.get("/kontor/revisjon").await;
    assert_eq!(page.status, 200);
    assert!(
        text_of(&page.body, "central-chain")
            .unwrap()
            .starts_with(&format!(
                "I orden: alle {} hendelser",
                s.count("central_audit").await
            )),
        "{}",
        page.body
    );
    // Someone with the database's owner rights turns the append-only guard off and edits.
    sqlx::query("ALTER TABLE central_audit DISABLE TRIGGER central_audit_append_only")
        .execute(&s.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE central_audit SET subject = 'noen andre' WHERE seq = 1")
        .execute(&s.pool)
        .await
        .unwrap();
    let page = b.get("/kontor/revisjon").await;
    assert!(
        text_of(&page.body, "central-chain")
            .unwrap()
            .starts_with("Endret: hendelse 1 innholdet stemmer ikke"),
        "{}",
        page.body
    );
}

/// A multipart form as a browser sends a file upload: text fields, then the file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, Vec<u8>) {
    let boundary = "----skranke-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    if let Some((file_name, content)) = file {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"{file_name}\"\r\nContent-Type: text/tab-separated-values\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

impl Browser {
    async fn upload(&mut self, fields: &[(&str, &str)], file: Option<(&str, &str)>) -> Page {
        let (content_type, body) = multipart(fields, file);
        let r = self
            .http
            .post(format!("{}/kontor/katalog", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(r).await
    }
}

/// Issue 18 item 2, Katalog: an uploaded feed is previewed (inserted, changed, removed) without
/// changing the catalog; applied once; a broken file says why; a lager user and a form without the
/// session's token are refused.
#[tokio::test]
async fn a_feed_is_previewed_before_it_is_applied_once() {
    let s = TestServer::start().await;
    let products = catalog(6);
    // The catalog as an earlier upload of the same kind of file left it.
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.tsv");
    std::fs::write(&first, crate::feed::merchant_tsv(&products[..4])).unwrap();
    skranke_central::feed_import::import_file(
        &s.pool,
        &first,
        skranke_central::feed_import::Completeness::Complete,
        Utc::now(),
    )
    .await
    .unwrap();
    // The new feed: products 2–4 (1 is gone), product 2 at a new price, 5 and 6 new.
    let mut next: Vec<_> = products[1..].to_vec();
    next[0].price = skranke_core::Money::from_ore(next[0].price.ore() + 10_000);
    let feed = crate::feed::merchant_tsv(&next);
    let price_of = |sku: String| {
        let pool = s.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT price_ore FROM products WHERE sku = $1")
                .bind(sku)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let live = || {
        let pool = s.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM products WHERE NOT deleted")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    let mut lager = lager(&s).await;
    let lager_token = hidden_csrf(&lager.get("/kontor/ordrer").await.body);
    assert_eq!(lager.get("/kontor/katalog").await.status, 403);
    let p = lager
        .upload(
            &[("csrf", &lager_token), ("omfang", "hele")],
            Some(("feed.tsv", &feed)),
        )
        .await;
    assert_eq!(p.status, 403);

    let mut b = leder(&s).await;
    let token = hidden_csrf(&b.get("/kontor/katalog").await.body);
    let p = b.upload(&[("omfang", "hele")], Some(("feed.tsv", &feed))).await;
    assert_eq!(p.status, 403, "no token, no upload");
    assert_eq!(s.count("feed_imports").await, 0);

    let p = b
        .upload(&[("csrf", &token), ("omfang", "hele")], Some(("feed.tsv", &feed)))
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let preview = b.get(&p.location).await;
    assert_eq!(
        text_of(&preview.body, "feed-inserted").as_deref(),
        Some("2"),
        "{}",
        preview.body
    );
    assert_eq!(text_of(&preview.body, "feed-updated").as_deref(), Some("1"));
    assert_eq!(text_of(&preview.body, "feed-deleted").as_deref(), Some("1"));
    assert!(
        preview.body.contains(&products[0].sku),
        "the removed product is named"
    );
    // Nothing changed yet.
    assert_eq!(live().await, 4);
    assert_eq!(price_of(products[1].sku.clone()).await, products[1].price.ore());

    let apply = link_action(&preview.body, "bruk");
    let p = b.post(&apply, &[("csrf", &token)]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(live().await, 5);
    assert_eq!(price_of(products[1].sku.clone()).await, next[0].price.ore());
    let done = b.get(&p.location).await;
    assert!(
        text_of(&done.body, "feed-state").unwrap().starts_with("brukt"),
        "{}",
        done.body
    );
    // A second click applies nothing again.
    let before: i64 = sqlx::query_scalar("SELECT max(sync_seq) FROM products")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(b.post(&apply, &[("csrf", &token)]).await.status, 303);
    let after: i64 = sqlx::query_scalar("SELECT max(sync_seq) FROM products")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(before, after);

    // A file that is not a feed: said why, nothing to apply.
    let p = b
        .upload(
            &[("csrf", &token), ("omfang", "delvis")],
            Some(("feil.tsv", "id\ttitle\nbare\tto kolonner\n")),
        )
        .await;
    let broken = b.get(&p.location).await;
    assert!(broken.body.contains("Filen kunne ikke leses"), "{}", broken.body);
    assert!(!broken.body.contains("apply-feed"));
    let history = b.get("/kontor/katalog").await;
    assert_eq!(
        history.body.matches("<tr>").count(),
        2 + 1,
        "two uploads and the header: {}",
        history.body
    );
}

/// The action of the form whose address ends in `/{ending}`.
fn link_action(html: &str, ending: &str) -> String {
    let end = html.find(&format!("/{ending}\"")).expect("the form") + ending.len() + 1;
    let start = html[..end].rfind("action=\"").unwrap() + "action=\"".len();
    html[start..end].to_string()
}

/// Issue 18 item 2, Plukkliste: only orders not yet sent whose payment is reserved or taken, summed
/// per product; a lager user gets the PDF, with every product to pick in it.
#[tokio::test]
async fn the_pick_list_sums_the_orders_ready_to_pack() {
    let s = TestServer::start().await;
    let products = catalog(4);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    // 1 and 2 ready (reserved, paid), 3 waits for payment, 4 is sent already.
    let orders: Vec<_> = (1..=4)
        .map(|i| {
            let order = valid_order_with(&products[..2], |_| {});
            mutation(
                i,
                MutationKind::OrderPlaced,
                &order_placed(&format!("OSL1-{i:06}"), &order),
            )
        })
        .collect();
    assert_eq!(s.push(&desk, orders).await.status, 200);
    for (number, payment, status) in [
        ("OSL1-000001", "reserved", "under_behandling"),
        ("OSL1-000002", "captured", "under_behandling"),
        ("OSL1-000003", "sent", "under_behandling"),
        ("OSL1-000004", "captured", "sendt"),
    ] {
        sqlx::query("UPDATE orders SET payment_state = $2, status = $3 WHERE number = $1")
            .bind(number)
            .bind(payment)
            .bind(status)
            .execute(&s.pool)
            .await
            .unwrap();
    }
    let (_, orders, lines) = skranke_central::office::pick_list::lines_to_pick(&s.pool, "OSL")
        .await
        .unwrap();
    assert_eq!(orders, 2);
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(
            line.quantity, 4,
            "2 of each in each of the two ready orders: {line:?}"
        );
        assert_eq!(line.orders, ["OSL1-000001", "OSL1-000002"]);
    }

    let mut b = lager(&s).await;
    assert_eq!(b.get("/kontor/plukkliste").await.status, 200);
    let pdf = s
        .http
        .get(format!("{}/kontor/plukkliste.pdf?butikk=osl", s.base))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plukkliste.pdf");
    std::fs::write(&path, pdf.bytes().await.unwrap()).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args([path.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for p in &products[..2] {
        assert!(text.contains(&p.sku), "{} missing: {text}", p.sku);
    }
    assert!(!text.contains(&products[2].sku), "{text}");
    assert!(text.contains("2 ordre(r)"), "{text}");
    assert_eq!(b.get("/kontor/plukkliste.pdf?butikk=XYZ").await.status, 404);
}

/// Issue 18 item 2: a return registered at the desk waits for its goods; the warehouse marks it
/// received on the order page (once), which is when the refund follows.
#[tokio::test]
async fn the_warehouse_marks_a_return_received() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..1], |_| {});
    let placed = order_placed("OSL1-000001", &order);
    let ret = skranke_protocol::ReturnRegistered {
        return_id: uuid::Uuid::now_v7(),
        order_id: placed.order_id,
        return_no: 1,
        created_at_utc: Utc::now(),
        ret: crate::support::valid_return(&order, &[(1, 1)]),
    };
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::OrderPlaced, &placed),
                mutation(2, MutationKind::ReturnRegistered, &ret),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut b = lager(&s).await;
    let page = b.get("/kontor/ordrer/OSL1-000001").await;
    assert!(
        text_of(&page.body, "return-1-state")
            .unwrap()
            .starts_with("Venter på varene"),
        "{}",
        page.body
    );
    let token = hidden_csrf(&page.body);
    let p = b.post("/kontor/ordrer/OSL1-000001/retur/1/mottatt", &[]).await;
    assert_eq!(p.status, 422, "no token: the form is not read");
    for _ in 0..2 {
        let p = b
            .post("/kontor/ordrer/OSL1-000001/retur/1/mottatt", &[("csrf", &token)])
            .await;
        assert_eq!(p.status, 303);
    }
    let page = b.get("/kontor/ordrer/OSL1-000001?utfort=retur").await;
    assert!(
        text_of(&page.body, "return-1-state")
            .unwrap()
            .starts_with("Varene er mottatt"),
        "{}",
        page.body
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM central_audit WHERE action = 'retur mottatt' AND actor = 'kontoret (Lars Lager)'",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1, "marked once");
    assert_eq!(
        b.post("/kontor/ordrer/OSL1-000001/retur/9/mottatt", &[("csrf", &token)])
            .await
            .status,
        404
    );
}

/// Issue 19: a changed order shows every version with what changed, when and by whom, and its PDF is
/// the changed confirmation; a desk's cancellation shows why and who; the mails are named.
#[tokio::test]
async fn a_changed_order_shows_its_versions_and_a_cancelled_one_why() {
    use skranke_core::order_change::{validate_change, ChangeDraft};
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..2], |d| d.customer.email = "kari@example.no".into());
    let first = order_placed("OSL1-000001", &order);
    let second = order_placed("OSL1-000002", &order);
    let mut draft = ChangeDraft::of(&order);
    draft.lines[0].quantity = 5;
    let new = validate_change(
        &order,
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(12, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    let changed = skranke_protocol::OrderChanged {
        order_id: first.order_id,
        base_version: 1,
        version: 2,
        changed_at_utc: at(),
        changed_by: "Kari Skranke".into(),
        reprice: false,
        order: new,
    };
    let cancel = skranke_protocol::OrderCancelled {
        order_id: second.order_id,
        reason: "Kunden fant varen billigere".into(),
        cancelled_at_utc: at(),
        cancelled_by: Some("Per Skranke".into()),
    };
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::OrderPlaced, &first),
                mutation(2, MutationKind::OrderPlaced, &second),
                mutation(3, MutationKind::OrderChanged, &changed),
                mutation(4, MutationKind::OrderCancelled, &cancel),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let mut b = leder(&s).await;
    let p = b.get("/kontor/ordrer/OSL1-000001").await;
    assert_eq!(text_of(&p.body, "order-version").as_deref(), Some("2"));
    assert!(p.body.contains("Endringer etter bestillingen"), "{}", p.body);
    assert!(p.body.contains("Versjon 2"), "{}", p.body);
    assert!(p.body.contains("av Kari Skranke"), "{}", p.body);
    assert!(
        p.body
            .contains(&format!("Antall endret: {}, 2 → 5", order.lines[0].name)),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("Endret ordrebekreftelse til kari@example.no"),
        "{}",
        p.body
    );
    let pdf = s
        .http
        .get(format!(
            "{}/kontor/ordrer/OSL1-000001/ordrebekreftelse.pdf",
            s.base
        ))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Endret ordrebekreftelse"), "{text}");
    assert!(text.contains("Versjon 2"), "{text}");

    let p = b.get("/kontor/ordrer/OSL1-000002").await;
    assert_eq!(text_of(&p.body, "order-state").as_deref(), Some("Kansellert"));
    assert_eq!(
        text_of(&p.body, "cancel-reason").as_deref(),
        Some("Kunden fant varen billigere (Per Skranke)")
    );
    assert!(p.body.contains("Kansellering til kari@example.no"), "{}", p.body);
}
