// kxo's tracepoints: what the streams drop and what a caller gets refused (kxo §4–§5, kxo-games).
export const KXO_TRACE = {
  /** the kfifo was full: a board (or part of one) was dropped, as kxo's produce_board warns */
  boardsDropped: 'boards_dropped',
  /** a file's event queue overflowed: the marker was queued and later events are lost */
  eventsOverflow: 'events_overflow',
  /** one move played (abi 'ext'): game, side, cell, the AI and its time */
  move: 'move',
  /** an AI could not make its move (its engine failed to load or threw): the game waits */
  aiFailed: 'ai_failed',
  /** a player file's move lost its game (timeout, trap, illegal cell; docs/kxo-ai-abi.md §3) */
  forfeit: 'forfeit',
  /** a move computed for a board that changed meanwhile (restart, new AI, pause) was dropped */
  staleMove: 'stale_move',
  /** a move asked for ahead of its tick (kxo-games §1a) served it (used) or was not the one needed */
  moveAhead: 'move_ahead',
  /** read with a buffer outside the user address space (-EFAULT) */
  errFault: 'err_fault',
  /** a non-blocking read found nothing (-EAGAIN) */
  errAgain: 'err_again',
  /** an ioctl, write or sysfs store refused (with the errno and why) */
  errRefused: 'err_refused',
} as const;
