/**
 * Is a process on this host still running? Used to take over at once a lock or temp file whose
 * owner died (a bot restarted after a crash must not wait out a lease).
 */
import os from 'node:os';

/** This host's name, recorded in lock files so that only same-host pids are checked. */
export const HOSTNAME = os.hostname();

/** True when `pid` names a live process on this host (EPERM: alive, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
