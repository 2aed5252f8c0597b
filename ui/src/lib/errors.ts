import type { FieldErrorView } from './bindings';

/** The Norwegian message for a form field (by its path, as the desk names it), if refused. */
export function errorFor(errors: FieldErrorView[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.message;
}

/** Errors whose field starts with `prefix` (for example every error of line 2). */
export function errorsUnder(errors: FieldErrorView[], prefix: string): FieldErrorView[] {
  return errors.filter((e) => e.field.startsWith(prefix));
}
