import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileLock } from 'cycle-engine';
import { describeLock } from 'cycle-engine/testing';

const root = mkdtempSync(path.join(os.tmpdir(), 'ce-file-lock-'));
describeLock('FileLock', () => new FileLock({ dir: root }));
