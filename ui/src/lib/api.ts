// The generated commands, with their `{status, data | error}` turned into a value or a thrown UiError.
import { commands, type UiError } from './bindings';

export type { UiError };

type Result<T> = { status: 'ok'; data: T } | { status: 'error'; error: UiError };

export async function call<T>(result: Promise<Result<T>>): Promise<T> {
  const r = await result;
  if (r.status === 'error') throw r.error;
  return r.data;
}

export function isUiError(e: unknown): e is UiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export function message(e: unknown): string {
  if (isUiError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export { commands };
