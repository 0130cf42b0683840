/**
 * `cycle-engine inspect --store <url>`: the operator's view of a running bot's store.
 */
import { parseFlags, requireFlag, stringFlag } from './args';
import { inspectLines, inspectView } from './inspect-view';
import { openStore } from './store-url';
import type { CommandIo } from './io';

/**
 * The help text of `inspect`.
 * @internal
 */
export const INSPECT_HELP = `Usage: cycle-engine inspect --store <url> [--json]

Prints every cycle of a state store: phase, position, live orders, orphans, and whether it is
halted, exiting or paused; and the portfolio's reservations when the store has them. Read-only.

Options:
  --store <url>      file:<dir> (a FileStateStore), postgres://user@host:5432/db or redis://host:6379
  --table <name>     PostgreSQL table (default cycle_engine_state)
  --prefix <prefix>  Redis key prefix (default cycle-engine:state:)
  --json             print one JSON object { store, cycles, portfolios }
  -h, --help         this help

Exit codes: 0 printed, 1 the store could not be read, 2 bad flags.`;

/**
 * Runs `inspect` with `argv` (after the command name).
 * @throws {@link "cycle-engine".InvalidOptionsError} for bad flags
 * @internal
 */
export async function inspectCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, help } = parseFlags('inspect', argv, {
    store: { type: 'string' },
    table: { type: 'string' },
    prefix: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (help) {
    io.out(INSPECT_HELP);
    return 0;
  }
  const opened = await openStore(requireFlag(values, 'store'), { table: stringFlag(values, 'table'), prefix: stringFlag(values, 'prefix') });
  try {
    const view = inspectView(opened.where, await opened.store.list());
    if (values.json === true) io.out(JSON.stringify(view, null, 2));
    else io.out(inspectLines(view).join('\n'));
    return 0;
  } finally {
    await opened.close();
  }
}
