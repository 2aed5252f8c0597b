//! Starts the desk's window.
// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use tauri::Manager;
use tauri_specta::Event;

/// What is remembered of the window: where it was and how big.
const WINDOW_STATE: tauri_plugin_window_state::StateFlags = tauri_plugin_window_state::StateFlags::SIZE
    .union(tauri_plugin_window_state::StateFlags::POSITION)
    .union(tauri_plugin_window_state::StateFlags::MAXIMIZED);

fn main() -> ExitCode {
    let dir = skranke_desk::default_data_dir();
    let log_dir = skranke_desk::logging::default_log_dir();
    // A log folder that cannot be written does not stop the desk; the terminal, if any, says why.
    let _log = match skranke_desk::logging::start(&log_dir) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("Skranke: {e}");
            None
        }
    };
    let context = tauri::generate_context!();
    // The package's version (what the updater compares and installs), which a test build may raise.
    tracing::info!(version = %context.package_info().version, "vinduet starter");
    let commands = skranke_desktop::commands();
    let result = tauri::Builder::default()
        // First, before the cache is opened: a second start on the same data folder hands over to the
        // window already open and exits without touching the cache.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(skranke_desk::instance_name(&dir))
                .callback(|app, _args, _cwd| {
                    tracing::info!("startet på nytt: viser vinduet som er åpent");
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                    let _ = skranke_desktop::SecondStart.emit(app);
                })
                .build(),
        )
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(WINDOW_STATE)
                .build(),
        )
        // The plugin writes the size on a clean exit only; a desk switched off at the wall should
        // still open as staff left it, so every resize and move is written (a few hundred bytes).
        .on_window_event(|window, event| {
            if matches!(
                event,
                tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
            ) {
                use tauri_plugin_window_state::AppHandleExt;
                let _ = window.app_handle().save_window_state(WINDOW_STATE);
            }
        })
        .plugin(skranke_desktop::update::plugin())
        .invoke_handler(commands.invoke_handler())
        .setup(move |app| {
            commands.mount_events(app);
            // An update downloaded yesterday is installed now, before the cache is opened; on success
            // the new version starts in this one's place.
            let notice = skranke_desktop::update::install_staged_update(app.handle(), &dir);
            app.manage(skranke_desktop::update::UpdateNotice(std::sync::Mutex::new(
                notice,
            )));
            app.manage(skranke_desktop::update::OfferedUpdate::default());
            app.manage(skranke_desktop::LogDir(log_dir));
            match tauri::async_runtime::block_on(skranke_desk::Desk::open(&dir)) {
                Ok(desk) => {
                    // The sync loop runs on Tauri's runtime for as long as the window is open.
                    let cache = desk.cache().clone();
                    let clock = desk.clock().clone();
                    let sync =
                        tauri::async_runtime::block_on(async move { skranke_sync::spawn(cache, clock) });
                    skranke_desktop::forward_changes(app.handle().clone(), desk.clone(), sync.clone());
                    app.manage(desk);
                    app.manage(sync);
                    app.manage(skranke_desktop::StartupFailure(None));
                }
                Err(e) => {
                    tracing::error!(code = ?e.code(), "skranken kunne ikke åpnes");
                    // Shown in the window, which staff see; the terminal may not exist.
                    eprintln!("Skranke kunne ikke starte: {e}");
                    app.manage(skranke_desktop::StartupFailure(Some(e.into())));
                }
            }
            Ok(())
        })
        .run(context);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Skranke kunne ikke starte: {e}");
            ExitCode::FAILURE
        }
    }
}
