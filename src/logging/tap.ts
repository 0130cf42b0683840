/**
 * Hears every event an emitter emits, including names added to the engine after this code was
 * written: eventemitter3 has no catch-all listener, so the instance's `emit` is wrapped.
 */

type Emit = (event: string, ...args: unknown[]) => boolean;

/**
 * Calls `fn(name, payload)` after the listeners of every event `emitter` emits. `fn` must not
 * throw (what it throws is dropped: a log line never hurts the engine). Returns a function that
 * stops it; taps may be removed in any order.
 * @internal
 */
export function tapEvents(emitter: object, fn: (name: string, payload: unknown) => void): () => void {
  const target = emitter as { emit: Emit };
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'emit');
  const original = target.emit;
  let active = true;
  const tapped: Emit = function (this: unknown, event, ...args) {
    const heard = original.call(this, event, ...args);
    if (active) {
      try {
        fn(String(event), args[0]);
      } catch {
        // A logger's fault is not the engine's: dropped.
      }
    }
    return heard;
  };
  target.emit = tapped;
  return () => {
    active = false;
    // Restore only when no later tap wrapped ours; otherwise ours stays as a pass-through.
    if (target.emit !== tapped) return;
    if (hadOwn) target.emit = original;
    else delete (target as { emit?: Emit }).emit;
  };
}
