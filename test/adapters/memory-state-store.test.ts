import { MemoryStateStore } from 'cycle-engine';
import { describeStateStore } from 'cycle-engine/testing';

describeStateStore('MemoryStateStore', () => new MemoryStateStore());
