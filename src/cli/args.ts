/**
 * Reading a command's flags with `node:util` `parseArgs`: unknown flags, missing values and bad
 * numbers become an {@link InvalidOptionsError} naming the flag (the CLI exits 2 on it), and
 * `--help` is always accepted.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidOptionsError } from '../index';

/**
 * The flag specs of one command (`parseArgs` options, without `--help`, which every command has).
 * @internal
 */
export type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * What a command gets: its flags' values, its positionals, and whether `--help` was asked for.
 * @internal
 */
export interface ParsedFlags {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

function flagOf(message: string): string {
  return /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? 'arguments';
}

/**
 * Parses `argv` (after the command name) against `specs`, strictly.
 * @throws {@link InvalidOptionsError} for an unknown flag, a flag without its value, or a positional argument
 * @internal
 */
export function parseFlags(command: string, argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...specs, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (error) {
    const message = (error as Error).message;
    const code = (error as { code?: string }).code;
    const flag = flagOf(message);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new InvalidOptionsError(flag, `unknown flag (see \`cycle-engine ${command} --help\`)`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new InvalidOptionsError('arguments', `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''} (see \`cycle-engine ${command} --help\`)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new InvalidOptionsError(flag, message.replace(/^Option '[^']*' /, ''));
    throw new InvalidOptionsError(flag, message);
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>;
  return { values, positionals: parsed.positionals, help: help === true };
}

/**
 * A required string flag.
 * @throws {@link InvalidOptionsError} when it is missing
 * @internal
 */
export function requireFlag(values: ParsedFlags['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new InvalidOptionsError(`--${name}`, 'is required');
  return v;
}

/**
 * A string flag or `undefined`.
 * @internal
 */
export function stringFlag(values: ParsedFlags['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A decimal flag (kept as the string given: amounts stay exact), or `undefined`.
 * @throws {@link InvalidOptionsError} when it is not a plain decimal number
 * @internal
 */
export function decimalFlag(values: ParsedFlags['values'], name: string): string | undefined {
  const v = stringFlag(values, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(v.trim())) throw new InvalidOptionsError(`--${name}`, `expected a decimal number, got ${JSON.stringify(v)}`);
  return v.trim();
}

/**
 * An integer flag ≥ 0, or `undefined`.
 * @throws {@link InvalidOptionsError} when it is not one
 * @internal
 */
export function integerFlag(values: ParsedFlags['values'], name: string): number | undefined {
  const v = stringFlag(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) throw new InvalidOptionsError(`--${name}`, `expected a whole number ≥ 0, got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * A duration flag: milliseconds, or a number with `s`, `m`, `h` or `d` (`90m`, `2d`), or `undefined`.
 * @throws {@link InvalidOptionsError} when it is not one
 * @internal
 */
export function durationFlag(values: ParsedFlags['values'], name: string): number | undefined {
  const v = stringFlag(values, name);
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (m === null) throw new InvalidOptionsError(`--${name}`, `expected a duration such as 90m, 12h or 2d, got ${JSON.stringify(v)}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Math.round(Number(m[1]) * unit);
}
