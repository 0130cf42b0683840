/**
 * Per-symbol money state behind the gauges (active, invested quote, realised PnL), kept exact
 * with decimals and moved by engine events: pure, one event in, the next state out.
 */
import { Decimal } from '../decimal';

/**
 * What the gauges show for one symbol. Decimal strings: only the gauge turns them into floats.
 * @internal
 */
export interface SymbolMoney {
  /** True while a cycle holds a position. */
  readonly active: boolean;
  /** Quote invested in the open position. */
  readonly investedQuote: string;
  /** Realised PnL of the symbol: the record's total when seeded from the store, plus every close and partial sell since. */
  readonly realizedPnlQuote: string;
  /** PnL already booked by partial sells of the open cycle (a close reports the cycle's total, which includes them). */
  readonly cyclePnlQuote: string;
}

/** A symbol nothing is known of yet. @internal */
export const NO_MONEY: SymbolMoney = { active: false, investedQuote: '0', realizedPnlQuote: '0', cyclePnlQuote: '0' };

interface PositionLike {
  readonly investedQuote: string;
  readonly realizedPnlQuote?: string | undefined;
}
interface RecordLike {
  readonly phase: string;
  readonly position: PositionLike | null;
  readonly realizedPnlQuote?: string | undefined;
}

const add = (a: string, b: string) => new Decimal(a).plus(b).toFixed();
const sub = (a: string, b: string) => new Decimal(a).minus(b).toFixed();

/** The state of a symbol as its stored record describes it. @internal */
export function moneyFromRecord(record: RecordLike): SymbolMoney {
  return {
    active: record.phase === 'active' && record.position !== null,
    investedQuote: record.position?.investedQuote ?? '0',
    realizedPnlQuote: record.realizedPnlQuote ?? '0',
    cyclePnlQuote: record.position?.realizedPnlQuote ?? '0',
  };
}

/** The names of the events {@link applyMoneyEvent} reads. @internal */
export const MONEY_EVENTS = ['cycle:activated', 'cycle:rebought', 'cycle:partiallySold', 'cycle:closed'] as const;

/**
 * The state after one event; events it does not read leave it as it was.
 * @internal
 */
export function applyMoneyEvent(state: SymbolMoney, name: string, payload: Record<string, unknown>): SymbolMoney {
  const position = payload.position as PositionLike | null | undefined;
  switch (name) {
    case 'cycle:activated':
    case 'cycle:rebought':
      if (!position) return state;
      return { ...state, active: true, investedQuote: position.investedQuote, cyclePnlQuote: position.realizedPnlQuote ?? state.cyclePnlQuote };
    case 'cycle:partiallySold': {
      const pnl = String(payload.pnlQuote ?? '0');
      return {
        ...state,
        investedQuote: position?.investedQuote ?? state.investedQuote,
        realizedPnlQuote: add(state.realizedPnlQuote, pnl),
        cyclePnlQuote: position?.realizedPnlQuote ?? add(state.cyclePnlQuote, pnl),
      };
    }
    case 'cycle:closed':
      // pnlQuote is the whole cycle's, partial sells included: only the rest is new.
      return { active: false, investedQuote: '0', realizedPnlQuote: add(state.realizedPnlQuote, sub(String(payload.pnlQuote ?? '0'), state.cyclePnlQuote)), cyclePnlQuote: '0' };
    default:
      return state;
  }
}
