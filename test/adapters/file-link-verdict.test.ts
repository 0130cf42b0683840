/**
 * The decision a FileStateStore writer takes right after linking `v<K>.json` (issue 15): is the
 * file the key's genuine version K (report the version), a re-created pruned number (take it back,
 * report a conflict), or can nobody tell (an unknown write — never a conflict)? A table of
 * directory states, each seen through a scripted view: `listings` are what successive directory
 * reads return (the last one repeats), `files` the envelopes present.
 */
import { describe, expect, it } from 'vitest';
import { linkVerdict, type DirView, type LinkVerdict } from '../../src/adapters/file/link-verdict';

type Env = { nonce: string; prev: string | null };

function view(listings: number[][], files: Record<number, Env | 'corrupt'>): DirView {
  let i = 0;
  return {
    versions: () => listings[Math.min(i++, listings.length - 1)]!,
    envelope(v) {
      const f = files[v];
      if (f === 'corrupt') throw new Error('the checksum does not match the content');
      return f ?? null;
    },
  };
}

const K = 5;
const ME = 'me';
const cases: Array<[string, number[][], Record<number, Env | 'corrupt'>, LinkVerdict]> = [
  ['ours is the head', [[4, 5]], { 5: { nonce: ME, prev: 'g4' } }, 'ours'],
  ['one successor already: no re-creation of 5 was possible yet', [[5, 6]], { 6: { nonce: 'g6', prev: ME } }, 'ours'],
  ['one successor that does not name us: still ours (it can only be a stale re-creation of 6)', [[5, 6]], { 6: { nonce: 'x6', prev: 'other' } }, 'ours'],
  ['two successors, the chain names us (the issue-15 window, decided before pruning)', [[5, 6, 7]], { 7: { nonce: 'g7', prev: 'g6' }, 6: { nonce: 'g6', prev: ME }, 5: { nonce: ME, prev: 'g4' } }, 'ours'],
  ['our file already pruned, the chain still names us', [[6, 7]], { 7: { nonce: 'g7', prev: 'g6' }, 6: { nonce: 'g6', prev: ME } }, 'ours'],
  ['two successors built on another 5: we re-created a pruned number', [[5, 6, 7]], { 7: { nonce: 'g7', prev: 'g6' }, 6: { nonce: 'g6', prev: 'g5' }, 5: { nonce: ME, prev: 'g4' } }, 'stale'],
  ['three successors, the chain names another 5', [[5, 6, 7, 8]], { 8: { nonce: 'g8', prev: 'g7' }, 7: { nonce: 'g7', prev: 'g6' }, 6: { nonce: 'g6', prev: 'g5' } }, 'stale'],
  ['the genuine 6 is pruned: nobody can tell', [[5, 7, 8]], { 8: { nonce: 'g8', prev: 'g7' }, 7: { nonce: 'g7', prev: 'g6' }, 5: { nonce: ME, prev: 'g4' } }, 'unknown'],
  ['6 is a re-creation (its nonce is not the one 7 names): nobody can tell', [[5, 6, 7]], { 7: { nonce: 'g7', prev: 'g6' }, 6: { nonce: 'x6', prev: ME } }, 'unknown'],
  ['the top moved two on while it was read: it may be a re-creation, read again', [[5, 6, 7], [5, 6, 7, 8, 9], [7, 8, 9], [8, 9]], { 9: { nonce: 'g9', prev: 'g8' }, 8: { nonce: 'g8', prev: 'g7' }, 7: { nonce: 'g7', prev: 'g6' } }, 'unknown'],
  ['the top moved two on while it was read, then stood still: decided on the second walk', [[5, 6, 7], [5, 6, 7, 8, 9], [6, 7, 8, 9], [6, 7, 8, 9]], { 9: { nonce: 'g9', prev: 'g8' }, 8: { nonce: 'g8', prev: 'g7' }, 7: { nonce: 'g7', prev: 'g6' }, 6: { nonce: 'g6', prev: ME } }, 'ours'],
  ['the top file vanished between the listing and the read (fake view): unknown after the attempts', [[5, 6, 7]], { 6: { nonce: 'g6', prev: ME } }, 'unknown'],
];

describe('linkVerdict: is the file just linked the genuine version?', () => {
  it.each(cases)('%s', (_, listings, files, verdict) => {
    expect(linkVerdict(view(listings, files), K, ME)).toBe(verdict);
  });

  it('the first version (no predecessor) is decided the same way', () => {
    expect(linkVerdict(view([[1, 2, 3]], { 3: { nonce: 'g3', prev: 'g2' }, 2: { nonce: 'g2', prev: ME } }), 1, ME)).toBe('ours');
    expect(linkVerdict(view([[1, 2, 3]], { 3: { nonce: 'g3', prev: 'g2' }, 2: { nonce: 'g2', prev: 'g1' } }), 1, ME)).toBe('stale');
  });

  it('a corrupt file on the walk throws (the store reports an unknown write with it as the cause)', () => {
    expect(() => linkVerdict(view([[5, 6, 7]], { 7: { nonce: 'g7', prev: 'g6' }, 6: 'corrupt' }), K, ME)).toThrow(/checksum/);
  });
});
