/**
 * Redaction at the adapter boundary: request signatures, auth headers, passwords in URLs and the
 * credentials themselves are replaced by `[redacted]` in every error an adapter raises or wraps,
 * before it can reach an event, a log line or a state file.
 */
import { CycleEngineError } from './errors';

/**
 * What replaces a secret.
 * @internal
 */
export const REDACTED = '[redacted]';

/**
 * Names of query parameters, form fields, JSON keys and HTTP headers whose value is a secret or is
 * derived from one (a request signature can replay that request within its receive window).
 * Matched case-insensitively.
 * @internal
 */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'signature', 'sign', 'apiKey', 'api_key', 'api-key', 'secret', 'secretKey', 'secret_key', 'password', 'passwd', 'passphrase', 'token', 'access_token',
  'OK-ACCESS-SIGN', 'OK-ACCESS-KEY', 'OK-ACCESS-PASSPHRASE', 'X-BAPI-SIGN', 'X-BAPI-API-KEY', 'API-Sign', 'API-Key', 'X-MBX-APIKEY',
  'KC-API-SIGN', 'KC-API-KEY', 'KC-API-PASSPHRASE', 'ACCESS-SIGN', 'ACCESS-KEY', 'ACCESS-PASSPHRASE', 'Authorization',
];

/** Secrets shorter than this are not searched for as values (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 4;
/** How deep a `cause` chain is copied. */
const MAX_DEPTH = 8;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const NAMES = [...SECRET_FIELD_NAMES].sort((a, b) => b.length - a.length).map(escape).join('|');
/** `name=value` in a query string or form body. */
const QUERY_RE = new RegExp(`(?<![\\w-])(${NAMES})=(?!\\[redacted\\])[^&\\s"'#,;)]*`, 'gi');
/** `"name": "value"` or `'name': 'value'` (JSON, inspected objects, header maps). */
const QUOTED_RE = new RegExp(`(["'])(${NAMES})\\1(\\s*[:=]\\s*)(["'])(?!\\[redacted\\])(?:\\\\.|(?!\\4).)*\\4`, 'gi');
/** `name: 'value'` (an object as `util.inspect` prints it: key bare, value quoted). */
const BARE_KEY_RE = new RegExp(`(?<![\\w-])(${NAMES})(\\s*:\\s*)(["'])(?!\\[redacted\\])(?:\\\\.|(?!\\3).)*\\3`, 'gi');
/** `name: value` (a header line, or an unquoted key). */
const HEADER_RE = new RegExp(`(?<![\\w-])(${NAMES})(\\s*:\\s*)(?!\\[redacted\\]|["'])(?:(?:Bearer|Basic|Token)\\s+)?[^\\s"',;}\\]]+`, 'gi');
/** `scheme://user:password@host`. */
const USERINFO_RE = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):([^\s@/]+)@/gi;

/**
 * Replaces every secret in `text`: the given secret values (also URL-encoded), the values of
 * {@link SECRET_FIELD_NAMES} in query strings, JSON and header lines, and passwords in URLs.
 * @param text - any text: an error message, a stack, a URL
 * @param secrets - credential values to remove wherever they occur (short ones are ignored)
 * @internal
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const values = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
    values.add(s);
    values.add(encodeURIComponent(s));
  }
  for (const value of [...values].sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
  return out
    .replace(USERINFO_RE, `$1:${REDACTED}@`)
    .replace(QUOTED_RE, (_m, q: string, name: string, sep: string, vq: string) => `${q}${name}${q}${sep}${vq}${REDACTED}${vq}`)
    .replace(BARE_KEY_RE, (_m, name: string, sep: string, vq: string) => `${name}${sep}${vq}${REDACTED}${vq}`)
    .replace(QUERY_RE, `$1=${REDACTED}`)
    .replace(HEADER_RE, `$1$2${REDACTED}`);
}

/** A value as it may be kept on a cleaned error: primitives (strings redacted), nothing else. */
function cleanValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value === null || ['number', 'boolean', 'bigint', 'undefined'].includes(typeof value)) return value;
  return undefined;
}

/**
 * A cleaned copy of anything thrown: an `Error` with the same `name`, the message and stack
 * redacted, the primitive own properties (`code`, `errno`, `status`, …) redacted, and a cleaned
 * copy of its `cause` chain (and of an `AggregateError`'s `errors`). Objects hung on the original
 * (a request, a command with its arguments, a client) are dropped: they may hold secrets.
 * @param error - what was thrown
 * @param secrets - credential values to remove
 * @param depth - how deep in a cause chain this copy is (copies stop at 8)
 * @internal
 */
export function redactedCopy(error: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return cleanValue(error, secrets);
  const source = error as Error & Record<string, unknown>;
  const message = typeof source.message === 'string' ? source.message : String(error);
  const copy = new Error(redactText(message, secrets)) as Error & Record<string, unknown>;
  const name = typeof source.name === 'string' ? source.name : 'Error';
  Object.defineProperty(copy, 'name', { value: name, enumerable: false, writable: true, configurable: true });
  copy.stack = redactText(typeof source.stack === 'string' ? source.stack : `${name}: ${message}`, secrets);
  for (const key of Object.keys(source)) {
    if (key === 'cause' || key === 'errors' || key === 'message' || key === 'stack') continue;
    const value = cleanValue(source[key], secrets);
    if (value !== undefined) copy[key] = value;
  }
  if (depth < MAX_DEPTH && 'cause' in source && source.cause !== undefined) {
    Object.defineProperty(copy, 'cause', { value: redactedCopy(source.cause, secrets, depth + 1), enumerable: false, writable: true, configurable: true });
  }
  if (depth < MAX_DEPTH && Array.isArray(source.errors)) copy.errors = source.errors.map((e) => redactedCopy(e, secrets, depth + 1));
  return copy;
}

/**
 * Cleans an error of this library in place (it was made by the adapter, nothing else holds it):
 * message, stack and string properties redacted, `cause` replaced by a {@link redactedCopy}.
 */
function cleanOwn<E extends CycleEngineError>(error: E, secrets: readonly string[]): E {
  const target = error as unknown as Record<string, unknown>;
  error.message = redactText(error.message, secrets);
  if (typeof error.stack === 'string') error.stack = redactText(error.stack, secrets);
  for (const key of Object.keys(error)) {
    if (key === 'cause') continue;
    const value = target[key];
    if (typeof value === 'string') {
      const clean = redactText(value, secrets);
      if (clean !== value) Object.defineProperty(error, key, { value: clean, enumerable: true, writable: true, configurable: true });
    }
  }
  if (error.cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: redactedCopy(error.cause, secrets), enumerable: false, writable: true, configurable: true });
  }
  return error;
}

/**
 * What an adapter throws instead of `error`: an error of this library is cleaned in place (see
 * {@link redactedCopy} for its cause); anything else — a driver's or ccxt's error — is wrapped in a
 * `CycleEngineError` whose message is `context` and the redacted original message, and whose cause
 * is a redacted copy of the original. Never the original object.
 * @param error - what was thrown
 * @param secrets - credential values to remove
 * @param context - what failed, e.g. `binance: findOrder`
 * @internal
 */
export function redactError(error: unknown, secrets: readonly string[], context: string): CycleEngineError {
  if (error instanceof CycleEngineError) return cleanOwn(error, secrets);
  const copy = redactedCopy(error, secrets);
  const text = copy instanceof Error ? `${copy.name}: ${copy.message}` : String(copy);
  return new CycleEngineError(`${context}: ${text}`, { cause: copy });
}

/**
 * The strings worth redacting found on a credentials holder (a ccxt exchange, a `pg` pool or
 * client, an `ioredis` client): the given fields, and the password of any URL among them.
 * @internal
 */
export function secretsOf(holder: unknown, fields: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value !== 'string' || value.length === 0) return;
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
    const password = url ? /^[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:([^\s@/]+)@/i.exec(value)?.[1] : undefined;
    // A URL is no secret in itself (it names the host): only its password is.
    if (!url) found.push(value);
    if (password !== undefined) {
      found.push(password);
      try {
        found.push(decodeURIComponent(password));
      } catch {
        /* not URL-encoded */
      }
    }
  };
  for (const path of fields) {
    let value: unknown = holder;
    for (const part of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
    visit(value);
  }
  return found;
}

/**
 * Runs one adapter call; whatever it throws leaves through {@link redactError}.
 * @param run - the call
 * @param secrets - read when something is thrown
 * @param context - what failed, e.g. `PostgresStateStore.get`
 * @internal
 */
export async function redactThrown<T>(run: () => Promise<T>, secrets: () => readonly string[], context: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw redactError(error, secrets(), context);
  }
}
