//! Starts the desk's window.
// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use tauri::Manager;

fn main() -> ExitCode {
    let commands = skranke_desktop::commands();
    let result = tauri::Builder::default()
        .invoke_handler(commands.invoke_handler())
        .setup(move |app| {
            commands.mount_events(app);
            let dir = skranke_desk::default_data_dir();
            match tauri::async_runtime::block_on(skranke_desk::Desk::open(&dir)) {
                Ok(desk) => {
                    // The sync loop runs on Tauri's runtime for as long as the window is open.
                    let cache = desk.cache().clone();
                    let sync = tauri::async_runtime::block_on(async move { skranke_sync::spawn(cache) });
                    skranke_desktop::forward_changes(app.handle().clone(), desk.clone(), sync.clone());
                    app.manage(desk);
                    app.manage(sync);
                    app.manage(skranke_desktop::StartupFailure(None));
                }
                Err(e) => {
                    // Shown in the window, which staff see; the terminal may not exist.
                    eprintln!("Skranke kunne ikke starte: {e}");
                    app.manage(skranke_desktop::StartupFailure(Some(e.into())));
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Skranke kunne ikke starte: {e}");
            ExitCode::FAILURE
        }
    }
}
