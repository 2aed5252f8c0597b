// The order list's live refresh (issue 18 item 3): the first page's rows are fetched again every
// few seconds and the table body replaced when they changed. Only the table changes: the filter
// form, and whatever someone is typing into it, is never touched. Without script the page works as
// before (reload to see new orders).
'use strict';
(function () {
  const body = document.querySelector('tbody[data-refresh]');
  if (!body) return;
  const live = document.getElementById('live');
  const every = Number(body.dataset.every) || 10000;
  const numbers = (root) =>
    new Set(Array.from(root.querySelectorAll('[data-testid="order-link"]'), (a) => a.textContent));
  let timer = 0;

  async function poll() {
    if (document.hidden) return;
    let response;
    try {
      response = await fetch(body.dataset.refresh, { credentials: 'same-origin' });
    } catch (e) {
      return; // The network is away: try again next time.
    }
    // Logged out (idle too long): stop; the next click shows the login page.
    if (!response.ok || response.redirected) {
      window.clearInterval(timer);
      return;
    }
    const html = await response.text();
    const doc = new DOMParser().parseFromString('<table><tbody>' + html + '</tbody></table>', 'text/html');
    const fresh = doc.querySelector('tbody');
    if (!fresh || fresh.textContent === body.textContent) return;
    const before = numbers(body);
    const added = Array.from(numbers(fresh)).filter((n) => !before.has(n)).length;
    body.replaceChildren(...Array.from(fresh.children));
    if (live && added > 0) live.textContent = added === 1 ? '1 ny ordre' : added + ' nye ordrer';
  }

  timer = window.setInterval(poll, every);
})();
