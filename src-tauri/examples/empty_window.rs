//! An empty Tauri 2 window (about:blank) with the same runtime and window size as the desk: the
//! baseline `cargo xtask bench window` compares the desk's memory with.

fn main() {
    let mut context = tauri::generate_context!();
    for window in &mut context.config_mut().app.windows {
        if let Ok(url) = "about:blank".parse() {
            window.url = tauri::WebviewUrl::External(url);
        }
    }
    if let Err(e) = tauri::Builder::default().run(context) {
        eprintln!("{e}");
    }
}
