/**
 * An event emitter whose listeners cannot hurt the engine: a listener that throws is caught and
 * reported, the other listeners still run, and an `error` nobody listens to goes to stderr.
 */
import { EventEmitter } from 'eventemitter3';
import { CycleEngineError } from '../errors';
import type { CycleEngineEvents } from '../events';

type Fn = (...args: never[]) => void;

/**
 * eventemitter3 with guarded listeners. A throwing listener never aborts a tick or delays an
 * intent that is already persisted: it is reported as an `error` (a throwing `error` listener is
 * written to stderr). An `error` with no listener is written to stderr once per code and key,
 * never silently dropped.
 * @public
 */
export class GuardedEmitter extends EventEmitter<CycleEngineEvents> {
  /** Per listener and event, the wrapper registered in its place. */
  readonly #wrappers = new Map<Fn, Map<EventEmitter.EventNames<CycleEngineEvents>, Fn>>();
  readonly #unheard = new Set<string>();

  /** Adds a listener; one that throws is caught and reported as an `error`. */
  override on<T extends EventEmitter.EventNames<CycleEngineEvents>>(event: T, fn: EventEmitter.EventListener<CycleEngineEvents, T>, context?: unknown): this {
    return super.on(event, this.#wrap(event, fn as unknown as Fn) as never, context);
  }

  /** Same as `on`. */
  override addListener<T extends EventEmitter.EventNames<CycleEngineEvents>>(event: T, fn: EventEmitter.EventListener<CycleEngineEvents, T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  /** Adds a one-time listener; one that throws is caught and reported as an `error`. */
  override once<T extends EventEmitter.EventNames<CycleEngineEvents>>(event: T, fn: EventEmitter.EventListener<CycleEngineEvents, T>, context?: unknown): this {
    return super.once(event, this.#wrap(event, fn as unknown as Fn) as never, context);
  }

  /** Removes a listener added with `on`, `addListener` or `once`. */
  override off<T extends EventEmitter.EventNames<CycleEngineEvents>>(event: T, fn?: EventEmitter.EventListener<CycleEngineEvents, T>, context?: unknown, once?: boolean): this {
    const wrapped = fn === undefined ? undefined : (this.#wrappers.get(fn as unknown as Fn)?.get(event) ?? fn);
    if (fn !== undefined) this.#wrappers.get(fn as unknown as Fn)?.delete(event);
    return super.off(event, wrapped as never, context, once);
  }

  /** Same as `off`. */
  override removeListener<T extends EventEmitter.EventNames<CycleEngineEvents>>(event: T, fn?: EventEmitter.EventListener<CycleEngineEvents, T>, context?: unknown, once?: boolean): this {
    return this.off(event, fn, context, once);
  }

  /** Calls every listener of `event`; an `error` nobody listens to goes to stderr (once per code and key). */
  override emit<T extends EventEmitter.EventNames<CycleEngineEvents>>(event: T, ...args: EventEmitter.EventArgs<CycleEngineEvents, T>): boolean {
    const heard = super.emit(event, ...args);
    if (!heard && event === 'error') this.#toStderr(args[0] as unknown as CycleEngineError, 'no error listener');
    return heard;
  }

  #wrap(event: EventEmitter.EventNames<CycleEngineEvents>, fn: Fn): Fn {
    const existing = this.#wrappers.get(fn)?.get(event);
    if (existing) return existing;
    const self = this;
    const wrapper = function (this: unknown, ...args: never[]) {
      try {
        fn.apply(this, args);
      } catch (error) {
        self.#listenerFailed(event, error);
      }
    };
    let byEvent = this.#wrappers.get(fn);
    if (!byEvent) this.#wrappers.set(fn, (byEvent = new Map()));
    byEvent.set(event, wrapper);
    return wrapper;
  }

  #listenerFailed(event: EventEmitter.EventNames<CycleEngineEvents>, error: unknown): void {
    const message = `A listener of '${String(event)}' threw: ${(error as Error)?.message ?? String(error)}`;
    if (event === 'error') {
      this.#toStderr(new CycleEngineError(message, { cause: error }), 'an error listener threw');
      return;
    }
    this.emit('error', new CycleEngineError(message, { cause: error }));
  }

  #toStderr(error: CycleEngineError, why: string): void {
    const code = (error as { code?: string })?.code ?? 'UNKNOWN';
    const key = (error as { key?: string; symbol?: string })?.key ?? (error as { symbol?: string })?.symbol ?? '';
    const id = `${code}\u0000${key}\u0000${why}`;
    if (this.#unheard.has(id)) return;
    this.#unheard.add(id);
    process.stderr.write(`cycle-engine: ${why}; ${error?.name ?? 'Error'} (${code}): ${error?.message ?? String(error)} (further ${code} errors${key ? ` for ${key}` : ''} are not repeated here; attach an 'error' listener)\n`);
  }
}
