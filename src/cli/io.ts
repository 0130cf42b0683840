/**
 * Where a command writes: standard output for its results, standard error for progress and
 * problems. Passed in, so the commands can be run in tests.
 */

/**
 * A command's outputs.
 * @internal
 */
export interface CommandIo {
  /** One block of the result (a line break is added). */
  out(text: string): void;
  /** Progress and problems. */
  err(text: string): void;
}

/**
 * The process's own streams.
 * @internal
 */
export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};
