/**
 * Helpers of the multi-process tests around the engine child process (./engine-process.ts): run
 * several at once and collect their counters, the healthy one that drains at the end of a crash
 * campaign, and the order-sequence check of MARKET cycles.
 */
import type { ChildProcess } from 'node:child_process';
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

/**
 * The healthy engine process that ends a crash campaign: spawned with `args` and `--not-before`
 * (epoch ms: every landing deadline of the killed ones), it recovers, trades `tradeMs`, then drains
 * (./engine-process.ts) and must exit 0 within 30 s, with nothing on stderr. Returns the child
 * (exited) and the problems found, each prefixed with `label`.
 */
export async function drainingEngine(script: string, args: readonly string[], notBefore: number, o: { label: string; tradeMs?: number; track?: Set<ChildProcess> }): Promise<{ child: Child; problems: string[] }> {
  const problems: string[] = [];
  const child = spawnScript(script, [...args, '--not-before', String(notBefore), '--max-drain-ms', '20000']);
  o.track?.add(child.proc);
  try {
    await child.waitFor('started', 30_000);
    if (o.tradeMs) await new Promise((resolve) => setTimeout(resolve, o.tradeMs));
    child.send('drain');
    const exit = await Promise.race([child.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
    if (exit === 'timeout') problems.push(`${o.label}the final engine process did not stop within 30 s of the drain`);
    else if (exit.code !== 0) problems.push(`${o.label}the final engine process exited ${exit.code ?? exit.signal}: ${child.stderr.trim().slice(0, 1000)}`);
  } catch (error) {
    problems.push(`${o.label}the final engine process failed: ${(error as Error).message}`);
  } finally {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  }
  await child.exited;
  if (child.stderr.trim()) problems.push(`${o.label}final engine process stderr: ${child.stderr.trim().slice(0, 2000)}`);
  return { child, problems };
}
