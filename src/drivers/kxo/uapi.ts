// The kxo extension's user ABI (kxo-games §2–§3): ioctl numbers, packed little-endian structs and
// the 2-byte event codes. Our own interface (proposal), visible only with insmod abi: 'ext'.
import { _IOR, _IOW, _IOWR } from '../../kernel/ioctl.js';

/** The AIs by their uapi number (struct kxo_ai.ai); 'human' waits for write(). */
export const KXO_AIS = ['mcts', 'negamax', 'random', 'strong', 'human'] as const;
export type KxoAiKind = (typeof KXO_AIS)[number];
export type KxoMachineAi = Exclude<KxoAiKind, 'human'>;

/** struct kxo_info { u8 games; u8 board_size; u8 goal; u8 proto; } */
export const KXO_INFO_SIZE = 4;
/** struct kxo_ai { u8 game; u8 side; u8 ai; u8 pad; } */
export const KXO_AI_SIZE = 4;
/** struct kxo_ctl { u8 game; u8 op; u8 pad[2]; } */
export const KXO_CTL_SIZE = 4;
/**
 * struct kxo_board { u8 game; u8 turn; u8 state; u8 winner; u8 cells[64]; u32 moves; }: game @0
 * (in), turn @1, state @2 (0 playing, 1 paused, 2 over), winner @3, cells @4, moves @68
 */
export const KXO_BOARD_SIZE = 72;
export const KXO_BOARD_CELLS = 4;
export const KXO_BOARD_MOVES = 68;

/** 0x80047800 */
export const KXO_GET_INFO = _IOR('x', 0, KXO_INFO_SIZE);
/** 0x40047801: int 0 = kxo's boards, 1 = events */
export const KXO_SET_PROTO = _IOW('x', 1, 4);
/** 0x40047802 */
export const KXO_SET_AI = _IOW('x', 2, KXO_AI_SIZE);
/** 0x40047803 */
export const KXO_GAME_CTL = _IOW('x', 3, KXO_CTL_SIZE);
/** 0xC0487804 */
export const KXO_GET_BOARD = _IOWR('x', 4, KXO_BOARD_SIZE);

export const KXO_PROTO_BOARDS = 0;
export const KXO_PROTO_EVENTS = 1;

export const KXO_CTL_PAUSE = 0;
export const KXO_CTL_RESUME = 1;
export const KXO_CTL_RESTART = 2;

export const KXO_STATE_PLAYING = 0;
export const KXO_STATE_PAUSED = 1;
export const KXO_STATE_OVER = 2;

/** event codes: 0..63 O played a cell, 64..127 X played (code − 64) */
export const KXO_EV_X = 64;
export const KXO_EV_START = 0x80;
export const KXO_EV_O_WON = 0x81;
export const KXO_EV_X_WON = 0x82;
export const KXO_EV_DRAW = 0x83;
/** with game byte 0xFF: this file's queue lost events */
export const KXO_EV_OVERFLOW = 0x84;
export const KXO_EV_OVERFLOW_GAME = 0xff;
/** bytes of one file's event queue */
export const KXO_EVENT_QUEUE = 4096;

/** Folds an event stream into boards, as a reader of the protocol does (tools, tests, views). */
export function applyEvent(boards: string[][], size: number, game: number, code: number): void {
  if (game === KXO_EV_OVERFLOW_GAME || code >= KXO_EV_START) {
    if (code === KXO_EV_START && boards[game]) boards[game]!.fill(' ');
    return;
  }
  const b = (boards[game] ??= new Array<string>(size * size).fill(' '));
  if (code < KXO_EV_X) b[code] = 'O';
  else b[code - KXO_EV_X] = 'X';
}
