import { describeStateStore } from 'cycle-engine/testing';
import { InProcessKeyValue, KeyValueStateStore } from '../../examples/custom-state-store';

describeStateStore('KeyValueStateStore (examples/custom-state-store.ts)', () => new KeyValueStateStore(new InProcessKeyValue()));
