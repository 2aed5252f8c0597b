// The desk's own update (issue 17 item 2): one state for the banner under the header and the
// Innstillinger panel. The Rust side decides whether the desk is quiet enough (unsent orders); the
// window asks only when no order is being typed.
import { call, commands, message } from './api';
import type { UpdateOffer } from './bindings';

export const update = $state({
  version: '',
  offer: null as UpdateOffer | null,
  message: '',
  checking: false,
  downloading: false,
  staged: '',
  error: '',
  dismissed: false,
});

/// Asks the central store; `manual` when staff pressed the button (then the answer is shown even
/// when there is nothing new).
export async function checkForUpdate(manual = false): Promise<void> {
  if (update.checking || update.downloading || update.staged) return;
  update.checking = true;
  try {
    const found = await call(commands.checkUpdate());
    update.offer = found.offer;
    update.message = found.message;
    update.error = '';
    if (manual) update.dismissed = false;
  } catch (e) {
    // An automatic check that fails (no network) says nothing: the sync indicator already does.
    if (manual) update.error = message(e);
  } finally {
    update.checking = false;
  }
}

export async function acceptUpdate(): Promise<void> {
  update.downloading = true;
  update.error = '';
  try {
    update.staged = await call(commands.acceptUpdate());
    update.offer = null;
  } catch (e) {
    update.offer = null;
    update.error = message(e);
  } finally {
    update.downloading = false;
  }
}

export async function loadUpdateState(): Promise<void> {
  update.version = await commands.appVersion();
  const notice = await commands.updateNotice();
  if (notice) update.error = notice;
}
