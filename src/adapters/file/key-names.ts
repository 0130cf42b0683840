/**
 * Store and lock keys as file names: reversible, one path segment, never `.`/`..` or hidden, and
 * short enough for the file system.
 */
import { InvalidOptionsError } from '../../errors';

/**
 * Longest encoded key, in bytes: file systems limit a name to 255 bytes (ext4, xfs, btrfs, APFS,
 * NTFS in UTF-16 units), and a lock file adds `.lock`.
 * @internal
 */
export const MAX_KEY_NAME_BYTES = 250;

/**
 * Encodes a key as a single safe file name (`ETH/USDT` → `ETH%2FUSDT`).
 * @throws {@link InvalidOptionsError} when the name would be longer than {@link MAX_KEY_NAME_BYTES}
 */
export function keyToName(key: string): string {
  if (key.length === 0) throw new TypeError('A key must not be empty');
  // encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ): escape the ones a shell or a
  // listing could trip on, and '.' so that no name is '.', '..' or starts like a temp file.
  const name = encodeURIComponent(key).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (name.length > MAX_KEY_NAME_BYTES) {
    throw new InvalidOptionsError(
      'key',
      `\`${key.slice(0, 40)}…\` (${key.length} characters) is too long for a file name: it encodes to ${name.length} bytes and file systems allow 255 per name, ` +
        `so the file adapters take keys of at most ${MAX_KEY_NAME_BYTES} encoded bytes (a letter, digit, - or _ is 1, any other ASCII character 3, a non-ASCII character 6–12)`,
    );
  }
  return name;
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
