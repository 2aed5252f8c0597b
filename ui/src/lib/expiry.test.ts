import { describe, expect, it } from 'vitest';
import { timeLeftText } from './expiry';

describe('timeLeftText', () => {
  const now = new Date('2026-12-02T10:00:00Z');

  it('counts a Vipps push down in minutes and seconds', () => {
    expect(timeLeftText('2026-12-02T10:09:05Z', now)).toBe('Utløper om 9 min 05 s');
    expect(timeLeftText('2026-12-02T10:00:42Z', now)).toBe('Utløper om 42 s');
  });

  it('counts a Klarna page down in hours and minutes', () => {
    expect(timeLeftText('2026-12-02T12:59:59Z', now)).toBe('Utløper om 2 t 59 min');
  });

  it('says the answer is awaited once the time is out, and nothing for a bad date', () => {
    expect(timeLeftText('2026-12-02T10:00:00Z', now)).toBe('Tiden er ute: venter på svar fra betalingstjenesten');
    expect(timeLeftText('ikke en dato', now)).toBe('');
  });
});
