import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';

// The window's only way to the desk is the generated bindings: stand in for the desk here, with the
// `{status, error}` shape the Rust side sends.
const calls = vi.hoisted(() => ({ saveDraft: [] as unknown[][], loadDraft: 0 }));
const ok = <T,>(data: T) => Promise.resolve({ status: 'ok' as const, data });
vi.mock('../lib/bindings', () => ({
  commands: {
    loadDraft: () => {
      calls.loadDraft += 1;
      return Promise.resolve({
        status: 'error',
        error: { code: 'field_key', message: 'utkastet er forseglet med en annen nøkkel enn denne skrankens', fields: [] },
      });
    },
    saveDraft: (...args: unknown[]) => {
      calls.saveDraft.push(args);
      return ok(null);
    },
    previewOrder: () => ok(null),
    placeOf: () => Promise.resolve(null),
    searchProducts: () => ok([]),
    findCustomers: () => ok([]),
    discountReasons: () => Promise.resolve([]),
  },
  events: {
    syncChanged: { listen: () => Promise.resolve(() => {}) },
    sessionEnded: { listen: () => Promise.resolve(() => {}) },
    secondStart: { listen: () => Promise.resolve(() => {}) },
  },
}));

import NewOrder from './NewOrder.svelte';

beforeEach(() => {
  vi.useFakeTimers();
  calls.saveDraft.length = 0;
  calls.loadDraft = 0;
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('a draft that cannot be loaded', () => {
  it('is said on screen, and nothing typed is saved over it until staff choose to start over', async () => {
    render(NewOrder);
    const failure = await screen.findByTestId('draft-failure');
    expect(calls.loadDraft).toBe(1);
    expect(failure.textContent).toContain('Utkastet fra forrige gang kunne ikke hentes.');
    expect(failure.textContent).toContain('utkastet er forseglet med en annen nøkkel enn denne skrankens');
    expect(failure.getAttribute('role')).toBe('alert');

    await fireEvent.input(screen.getByTestId('customer.name'), { target: { value: 'Kari Nordmann' } });
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls.saveDraft).toHaveLength(0);

    await fireEvent.click(screen.getByTestId('draft-start-over'));
    expect(screen.queryByTestId('draft-failure')).toBeNull();
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls.saveDraft.length).toBeGreaterThan(0);
    const [, saved] = calls.saveDraft[calls.saveDraft.length - 1] as [string, { customer: { name: string } }];
    expect(saved.customer.name).toBe('Kari Nordmann');
  });
});
