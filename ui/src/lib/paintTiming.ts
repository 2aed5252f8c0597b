// Issue 21: the time from a keystroke to the frame that shows its search results, as User Timing
// measures the window benchmark reads through WebDriver (`performance.getEntriesByName`).

/** Measures kept at most; older ones are dropped so a desk open all day does not collect them. */
const KEPT = 2000;

/** Records `name` from `start` to now (a step on the way, such as the answer arriving). */
export function measureNow(name: string, start: number): void {
  try {
    performance.measure(name, { start, end: performance.now() });
    if (performance.getEntriesByName(name, 'measure').length > KEPT) performance.clearMeasures(name);
  } catch {
    // A measure must never cost a search (an engine without User Timing 3 records nothing).
  }
}

/** The start of a measure: the event's own time stamp when the browser gave one, else now. */
export function startOf(e?: Event): number {
  const now = performance.now();
  return e && e.timeStamp > 0 && e.timeStamp <= now ? e.timeStamp : now;
}

/**
 * Records `name` from `start` to just after the next frame is painted. The DOM is already updated
 * when this is called (after Svelte's `tick`); a requestAnimationFrame callback runs before that
 * frame is painted, and a message posted from it is handled once the frame is out.
 */
export function measureToPaint(name: string, start: number): void {
  // Where there are no frames (a test DOM), nothing is recorded.
  if (typeof requestAnimationFrame !== 'function' || typeof MessageChannel !== 'function') return;
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => measureNow(name, start);
    channel.port2.postMessage(null);
  });
}
