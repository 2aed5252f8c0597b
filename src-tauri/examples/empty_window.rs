//! An empty Tauri 2 window with the same runtime and window size as the desk: the baseline `cargo
//! xtask bench window` compares the desk's memory with. It shows a one-line page (`ui/public/empty.html`)
//! rather than about:blank, because WebKit starts no web process at all for about:blank.

fn main() {
    let mut context = tauri::generate_context!();
    for window in &mut context.config_mut().app.windows {
        window.url = tauri::WebviewUrl::App("empty.html".into());
    }
    if let Err(e) = tauri::Builder::default().run(context) {
        eprintln!("{e}");
    }
}
