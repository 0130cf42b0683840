/**
 * The `cycle-engine` command line: dispatches to a command and turns what it throws into a
 * message on stderr and an exit code (2: bad flags or options, 1: anything else that failed).
 */
import { createRequire } from 'node:module';
import { isCycleEngineError } from '../index';
import { backtestCommand, BACKTEST_HELP } from './backtest';
import { inspectCommand, INSPECT_HELP } from './inspect';
import type { CommandIo } from './io';
import { sweepCommand, SWEEP_HELP } from './sweep';

/**
 * The help text of the whole CLI.
 * @internal
 */
export const MAIN_HELP = `Usage: cycle-engine <command> [flags]

Commands:
  backtest   replay candles through the engine with one set of settings (metrics, HTML report)
  sweep      backtest every combination of a grid of settings on all cores, ranked
  inspect    print every cycle of a state store (file:, postgres://, redis://)

Run \`cycle-engine <command> --help\` for its flags. --version prints the version.`;

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
  backtest: { run: backtestCommand, help: BACKTEST_HELP },
  sweep: { run: sweepCommand, help: SWEEP_HELP },
  inspect: { run: inspectCommand, help: INSPECT_HELP },
};

function version(): string {
  try {
    return (createRequire(import.meta.url)('cycle-engine/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the CLI with `argv` (the arguments after the program) and resolves its exit code.
 * @internal
 */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] !== undefined && COMMANDS[rest[0]] !== undefined) io.out(COMMANDS[rest[0]]!.help);
    else io.out(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(version());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`cycle-engine: unknown command ${JSON.stringify(name)}. Commands: ${Object.keys(COMMANDS).join(', ')} (see cycle-engine --help)`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isCycleEngineError(error) && error.code === 'INVALID_OPTIONS') {
      io.err(`cycle-engine ${name}: ${error.message}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`cycle-engine ${name}: ${message}`);
    if (process.env.CYCLE_ENGINE_DEBUG === '1' && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}
