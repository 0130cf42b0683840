import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStore } from 'cycle-engine';
import { describeStateStore } from 'cycle-engine/testing';

const root = mkdtempSync(path.join(os.tmpdir(), 'ce-file-store-'));
describeStateStore('FileStateStore', () => new FileStateStore({ dir: root }));
