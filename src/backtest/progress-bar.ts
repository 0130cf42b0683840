/**
 * A one-line progress bar on a stream (stderr): `[██████░░░░] 412/1000 41% 12.3 s, ETA 17.6 s`,
 * redrawn in place on a terminal, a line per tenth elsewhere.
 */

/**
 * Where the bar is drawn: `process.stderr` has it.
 * @internal
 */
export interface BarStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * The text of the bar at `done` of `total` after `elapsedMs`.
 * @internal
 */
export function barText(done: number, total: number, elapsedMs: number, width = 24): string {
  const share = total === 0 ? 1 : done / total;
  const full = Math.round(share * width);
  const eta = done === 0 ? '' : `, ETA ${((elapsedMs / done) * (total - done) / 1000).toFixed(1)} s`;
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${done}/${total} ${Math.floor(share * 100)}% ${(elapsedMs / 1000).toFixed(1)} s${done < total ? eta : ''}`;
}

/**
 * A progress bar: `update(done)` redraws it (at most every 100 ms on a terminal), `end()` draws
 * the final state and a new line.
 * @internal
 */
export class ProgressBar {
  readonly #t0 = performance.now();
  #last = -Infinity;
  #lastTenth = -1;

  constructor(
    private readonly stream: BarStream,
    private readonly total: number,
    private readonly label: string,
  ) {}

  update(done: number): void {
    const now = performance.now();
    if (this.stream.isTTY) {
      if (now - this.#last < 100 && done < this.total) return;
      this.#last = now;
      this.stream.write(`\r${this.label} ${barText(done, this.total, now - this.#t0)}\x1b[K`);
      return;
    }
    const tenth = Math.floor((done / Math.max(1, this.total)) * 10);
    if (tenth === this.#lastTenth) return;
    this.#lastTenth = tenth;
    this.stream.write(`${this.label} ${barText(done, this.total, now - this.#t0)}\n`);
  }

  end(): void {
    this.#last = -Infinity;
    this.update(this.total);
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
