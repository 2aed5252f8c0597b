//! Issue 18 item 1: the back office's accounts and sessions, as a browser meets them over HTTP: no
//! page without login, a new session id at login, CSRF on every form, roles, lockout, logout, a
//! strict Content-Security-Policy, and what a customer typed shown as text.

use std::collections::HashMap;

use chrono::Utc;
use skranke_central::office::accounts::{add_user, Role};
use skranke_protocol::MutationKind;

use crate::support::{catalog, mutation, order_placed, valid_order_with, TestServer};

/// A browser without script: keeps cookies, does not follow redirects.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: String,
    csp: String,
    body: String,
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

    fn cookie_header(&self) -> String {
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

    async fn get(&mut self, path: &str) -> Page {
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
    for path in ["/kontor", "/kontor/ordrer", "/kontor/brukere"] {
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
    assert!(
        !login.csp.contains("script-src"),
        "no script is allowed: {}",
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
}

#[tokio::test]
async fn what_a_customer_typed_is_shown_as_text() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..1], |d| {
        d.customer.name = "<script>alert(1)</script> Ola \"><img src=x onerror=alert(2)>".into();
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
    let mut b = Browser::new(&s);
    b.log_in("Lars Lager", "riktig-passord-2").await;
    let p = b.get("/kontor/ordrer").await;
    assert!(p.body.contains("OSL1-000001"), "{}", p.body);
    assert!(
        p.body.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; Ola &quot;&gt;&lt;img src=x onerror=alert(2)&gt;"
        ),
        "{}",
        p.body
    );
    assert!(!p.body.contains("<script"), "{}", p.body);
    assert!(!p.body.contains("<img"), "{}", p.body);
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
