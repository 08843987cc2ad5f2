// kxo's tracepoints: what the board stream drops and what a reader gets refused (kxo §4–§5).
export const KXO_TRACE = {
  /** the kfifo was full: a board (or part of one) was dropped, as kxo's produce_board warns */
  boardsDropped: 'boards_dropped',
  /** read with a buffer outside the user address space (-EFAULT) */
  errFault: 'err_fault',
  /** a non-blocking read found the fifo empty (-EAGAIN) */
  errAgain: 'err_again',
} as const;
