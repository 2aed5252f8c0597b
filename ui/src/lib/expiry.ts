// P5: how long an open payment request has left, as staff read it while the customer is on the phone.
// The time is the provider's (Klarna's expires_at, or a Vipps push's usual lifetime); the state only
// changes when the provider reports it, so at zero the text says the answer is awaited.
export function timeLeftText(expiresAt: string, now: Date): string {
  const left = Math.floor((Date.parse(expiresAt) - now.getTime()) / 1000);
  if (Number.isNaN(left)) return '';
  if (left <= 0) return 'Tiden er ute: venter på svar fra betalingstjenesten';
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  if (hours > 0) return `Utløper om ${hours} t ${minutes} min`;
  if (minutes > 0) return `Utløper om ${minutes} min ${String(seconds).padStart(2, '0')} s`;
  return `Utløper om ${seconds} s`;
}
