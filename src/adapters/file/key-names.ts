/**
 * Store and lock keys as file names: reversible, one path segment, never `.`/`..` or hidden.
 */

/** Encodes a key as a single safe file name (`ETH/USDT` → `ETH%2FUSDT`). */
export function keyToName(key: string): string {
  if (key.length === 0) throw new TypeError('A key must not be empty');
  // encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ): escape the ones a shell or a
  // listing could trip on, and '.' so that no name is '.', '..' or starts like a temp file.
  return encodeURIComponent(key).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Decodes a file name made by {@link keyToName}; undefined for a name it could not have made. */
export function nameToKey(name: string): string | undefined {
  if (!/^[A-Za-z0-9_%-]+$/.test(name)) return undefined;
  try {
    const key = decodeURIComponent(name);
    return keyToName(key) === name ? key : undefined;
  } catch {
    return undefined;
  }
}
