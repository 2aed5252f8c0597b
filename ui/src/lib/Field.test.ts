import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import Field from './Field.svelte';
import { errorFor, errorsUnder } from './errors';
import type { FieldErrorView } from './bindings';

const errors: FieldErrorView[] = [
  { field: 'customer.address.postcode', label: 'Postnummer', message: 'postnummer 0001 (OSLO) gjelder bare postbokser, ikke gateadresser' },
  { field: 'lines[1].quantity', label: 'Varelinje 2: antall', message: 'antall må være minst 1' },
];

describe('the order form shows each refusal next to its field', () => {
  it('puts the Norwegian message under the input and marks it invalid', () => {
    render(Field, { props: { id: 'customer.address.postcode', label: 'Postnummer', value: '0001', error: errorFor(errors, 'customer.address.postcode') } });
    const input = screen.getByTestId('customer.address.postcode') as HTMLInputElement;
    expect(input.value).toBe('0001');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('customer.address.postcode-error').textContent).toBe(
      'postnummer 0001 (OSLO) gjelder bare postbokser, ikke gateadresser',
    );
  });

  it('keeps the value typed and shows the hint when there is no error', () => {
    render(Field, { props: { id: 'customer.name', label: 'Navn', value: 'Kari', hint: 'Fornavn og etternavn', error: errorFor(errors, 'customer.name') } });
    expect((screen.getByTestId('customer.name') as HTMLInputElement).value).toBe('Kari');
    expect(screen.getByTestId('customer.name').getAttribute('aria-invalid')).toBe('false');
    expect(screen.getByTestId('customer.name-error').textContent).toBe('Fornavn og etternavn');
  });

  it('reserves the message line so the form does not jump', () => {
    render(Field, { props: { id: 'customer.email', label: 'E-post', value: '' } });
    const msg = screen.getByTestId('customer.email-error');
    expect(msg.className).toContain('msg');
    expect(msg.textContent).toBe('');
  });

  it('finds errors by field and by line', () => {
    expect(errorFor(errors, 'lines[1].quantity')).toBe('antall må være minst 1');
    expect(errorFor(errors, 'customer.phone')).toBeUndefined();
    expect(errorsUnder(errors, 'lines[')).toHaveLength(1);
  });
});
