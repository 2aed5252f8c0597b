// The desk tells the window when something it shows may have changed; screens subscribe here instead
// of each polling on a timer of its own.
import { events } from './bindings';

type Unlisten = () => void;

function subscribe(listen: (cb: () => void) => Promise<Unlisten>, cb: () => void): Unlisten {
  let unlisten: Unlisten | null = null;
  let stopped = false;
  listen(cb).then((u) => {
    if (stopped) u();
    else unlisten = u;
  });
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** The sync state changed (a round ended, a pull progressed, or a minute passed). Returns the unsubscribe. */
export function onSyncChanged(cb: () => void): Unlisten {
  return subscribe((f) => events.syncChanged.listen(() => f()), cb);
}

/** The desk locked itself after the idle minutes. Returns the unsubscribe. */
export function onSessionEnded(cb: () => void): Unlisten {
  return subscribe((f) => events.sessionEnded.listen(() => f()), cb);
}

/** Skranke was started again while this window was open (the window came to the front). */
export function onSecondStart(cb: () => void): Unlisten {
  return subscribe((f) => events.secondStart.listen(() => f()), cb);
}
