/** Argument checks for the TS-only entry points (options objects, batches). */
import { describe, invalidArg, outOfRange } from './errors';
import { isView } from './view-slots';

export function integer(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number') throw invalidArg(`${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw outOfRange(`${name} must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  return v;
}

export function boolean(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalidArg(`${name} must be a boolean, got ${describe(v)}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[]): T {
  if (typeof v !== 'string') throw invalidArg(`${name} must be one of ${allowed.join(', ')}, got ${describe(v)}`);
  if (!(allowed as readonly string[]).includes(v)) {
    throw outOfRange(`${name} must be one of ${allowed.join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

export function options(v: unknown, name: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw invalidArg(`${name} must be an object, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Rejects option names nobody handles: a typo should not pass silently. */
export function knownKeys(o: Record<string, unknown>, name: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw invalidArg(`${name} has an unknown option ${JSON.stringify(k)} (known: ${keys.join(', ')})`);
  }
}

export function view(v: unknown, name: string): ArrayBufferView {
  if (!isView(v)) throw invalidArg(`${name} must be an ArrayBufferView (TypedArray, Buffer or DataView), got ${describe(v)}`);
  return v;
}
