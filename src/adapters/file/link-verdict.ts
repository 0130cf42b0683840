/**
 * Whether a version file a writer just linked is the key's genuine version, decided from the
 * directory alone.
 *
 * Version numbers can be re-created: once `v<K>.json` is pruned, a writer that checked the head
 * long ago can link the name again. Three facts make the decision certain:
 *
 * 1. A name `v<K>` is only ever removed once the highest version is at least K+2 (pruning keeps
 *    the newest two; a writer only takes back a file it proved stale), and the highest version
 *    never goes down. So a re-created `v<K>` exists only while the highest version is ≥ K+2, and a
 *    listing made after a file was read that shows a highest version ≤ K+1 proves the file read
 *    was the genuine one.
 * 2. The first `v<K>` ever linked is the genuine one: its writer read version K-1 as the head.
 * 3. A genuine file's `prev` is the genuine predecessor's nonce (had its writer read a re-created
 *    predecessor, version K would already have existed and its link would not be the first).
 *
 * So: right after the link, a highest version ≤ K+1 means the link was the first (ours). Else the
 * genuine nonce of version K is found by walking down from a certified top by `prev`, and compared
 * with ours. When the files needed for the walk are gone, nobody can tell: `unknown`.
 *
 * Listings rely on a directory read being one snapshot, which holds for a small directory on a
 * local Linux file system (getdents and link/unlink exclude each other on the directory).
 */

/** What a writer can see of a key's directory. @internal */
export interface DirView {
  /** The version numbers present now. */
  versions(): readonly number[];
  /** The nonce and `prev` of a version file, or null when it is absent (throws when unreadable). */
  envelope(version: number): { readonly nonce: string; readonly prev: string | null } | null;
}

/** `ours`: the file is the genuine version; `stale`: it re-created a pruned number; `unknown`: cannot tell. @internal */
export type LinkVerdict = 'ours' | 'stale' | 'unknown';

const highest = (versions: readonly number[]): number => (versions.length === 0 ? -Infinity : Math.max(...versions));

/**
 * Decides whether `v<version>.json`, just linked with `nonce`, is the key's genuine version.
 * @param attempts - fresh walks to try when the directory moves under the walk
 * @throws the envelope reader's error for an unreadable or corrupt file on the walk
 * @internal
 */
export function linkVerdict(view: DirView, version: number, nonce: string, attempts = 3): LinkVerdict {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const top = highest(view.versions());
    if (top <= version + 1) return 'ours'; // no re-creation of `version` was possible (fact 1)
    const head = view.envelope(top);
    if (head === null) continue; // pruned meanwhile: the key moved on, look again
    if (highest(view.versions()) > top + 1) continue; // the file read may be a re-creation: look again
    // `head` is genuine: walk down by `prev` to the genuine nonce of `version` (fact 3).
    let genuine = head.prev;
    let v = top - 1;
    for (; v > version; v--) {
      const file = view.envelope(v);
      if (file === null || file.nonce !== genuine) break; // the genuine file is gone
      genuine = file.prev;
    }
    if (v > version) continue;
    return genuine === nonce ? 'ours' : 'stale';
  }
  return 'unknown';
}
