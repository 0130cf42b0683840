import { MemoryLock } from 'cycle-engine';
import { describeLock } from 'cycle-engine/testing';

describeLock('MemoryLock', () => new MemoryLock());
