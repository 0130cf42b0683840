/**
 * Packing line segments (a resting order's level, a cycle's average price) into as few chart
 * series as possible. A series holds one value per time, so segments that overlap in time go to
 * different series ("lanes"). A line series joins all its points (whitespace does not break it)
 * and draws the stretch from a point to the next in that point's colour: the last point of each
 * segment is transparent, so the joint to the next segment is invisible. A step line draws the
 * riser at a point in that point's colour, so a transparent point one candle before each later
 * segment, at its first value, keeps the riser hidden too.
 */

/**
 * A segment on the candles' index axis: its points in ascending candle index.
 * @internal
 */
export interface Segment {
  readonly points: ReadonlyArray<{ readonly index: number; readonly value: number }>;
}

/**
 * One point of a lane: a value at a candle time (seconds) and, on a segment's last point,
 * `transparent` (the colour of the stretch that follows it).
 * @internal
 */
export interface LanePoint {
  readonly time: number;
  readonly value: number;
  readonly color?: 'transparent';
}

/**
 * Packs `segments` into lanes, greedily by start: a segment joins the first lane whose last
 * segment ended at least two candles before it starts (room for the hidden joint). Points of one segment at the same index keep the last value.
 * `times` are the candles' times in seconds, indexed like the segments' points.
 * @internal
 */
export function packLanes(segments: readonly Segment[], times: readonly number[]): LanePoint[][] {
  const cleaned = segments.map(dedupe).filter((s) => s.length > 0);
  cleaned.sort((a, b) => a[0]!.index - b[0]!.index);
  const lanes: Array<{ end: number; points: LanePoint[] }> = [];
  for (const seg of cleaned) {
    const start = seg[0]!.index;
    const end = seg[seg.length - 1]!.index;
    let lane = lanes.find((l) => l.end + 1 < start);
    if (lane === undefined) {
      lane = { end: -2, points: [] };
      lanes.push(lane);
    } else {
      lane.points.push({ time: times[start - 1]!, value: seg[0]!.value, color: 'transparent' });
    }
    seg.forEach((p, i) => lane.points.push(i === seg.length - 1 ? { time: times[p.index]!, value: p.value, color: 'transparent' } : { time: times[p.index]!, value: p.value }));
    lane.end = end;
  }
  return lanes.map((l) => l.points);
}

function dedupe(segment: Segment): Array<{ index: number; value: number }> {
  const out: Array<{ index: number; value: number }> = [];
  for (const p of segment.points) {
    const last = out[out.length - 1];
    if (last !== undefined && p.index <= last.index) last.value = p.value;
    else out.push({ index: p.index, value: p.value });
  }
  return out;
}

/**
 * The index of the candle a time falls in: the last candle that opened at or before it (0 before
 * the first). `times` ascending.
 * @internal
 */
export function candleIndexAt(times: readonly number[], time: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || time < times[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= time) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
