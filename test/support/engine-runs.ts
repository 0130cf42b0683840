/**
 * Helpers of the multi-process tests around the engine child process (./engine-process.ts): run
 * several at once and collect their counters, and the order-sequence check of MARKET cycles.
 */
import { expect } from 'vitest';
import type { PaperOrder } from 'cycle-engine';
import { ENGINE_PROCESS, spawnScript, type Child } from './child-processes';

/**
 * Spawns `count` engine processes with `--wait-go` and `argsOf(i)`, starts them together once all
 * are ready, runs `during` meanwhile (told when they have all exited), expects each to exit 0 with
 * nothing on stderr, and returns their counters (each one's last stdout line). They must end by
 * themselves (`--duration-ms`).
 */
export async function runEngineProcesses<C>(count: number, argsOf: (i: number) => string[], during?: (done: () => boolean) => Promise<void>): Promise<C[]> {
  const children: Child[] = Array.from({ length: count }, (_, i) => spawnScript(ENGINE_PROCESS, [...argsOf(i), '--wait-go']));
  await Promise.all(children.map((c) => c.waitFor('ready')));
  for (const c of children) c.send('go');
  let finished = false;
  const exits = Promise.all(children.map((c) => c.exited)).finally(() => {
    finished = true;
  });
  await Promise.all([exits, during?.(() => finished)]);
  const results = await exits;
  results.forEach((r, i) => expect(r, `p${i} exit; stderr: ${children[i]!.stderr}`).toEqual({ code: 0, signal: null }));
  for (const c of children) expect(c.stderr, 'engine processes report no error').toBe('');
  return children.map((c) => JSON.parse(c.lines[c.lines.length - 1]!) as C);
}

/** Per symbol, MARKET orders must go start, rebuy*, sell, start, …: never two starts in one cycle, none overlapping. */
export function cycleProblems(orders: readonly PaperOrder[], symbols: readonly string[]): string[] {
  const problems: string[] = [];
  const ids = orders.map((o) => o.clientOrderId);
  if (new Set(ids).size !== ids.length) problems.push('a client order id was sent twice');
  for (const symbol of symbols) {
    let active = false;
    let prev: PaperOrder | undefined;
    for (const o of orders.filter((x) => x.symbol === symbol).sort((a, b) => a.seq - b.seq)) {
      const at = `${symbol} order ${o.seq} (${o.clientOrderId})`;
      if (o.status !== 'filled') problems.push(`${at} is ${o.status}`);
      if (prev?.fill && o.receivedAt < prev.fill.timestamp) problems.push(`${at} arrived while ${prev.clientOrderId} was in flight`);
      prev = o;
      const tag = o.clientOrderId.slice(0, 5);
      if (tag === 'ce-s-' && active) problems.push(`${at}: a second start buy in one cycle`);
      if (tag !== 'ce-s-' && !active) problems.push(`${at}: ${tag} with no cycle`);
      active = tag !== 'ce-x-';
    }
  }
  return problems;
}
