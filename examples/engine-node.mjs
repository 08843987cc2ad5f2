// kxo's engine without a kernel: MCTS ('O') against negamax ('X') on kxo's 4x4 board, three in
// a row wins. Run: node examples/engine-node.mjs
import { KxoEngine } from 'vchardev/kxo';

const e = await KxoEngine.create();
let board = ' '.repeat(16);
let player = 'O';
const moves = [];
while (e.checkWin(board) === ' ') {
  const move = player === 'O' ? e.mcts(board, 'O') : e.negamaxPredict(board, 'X').move;
  board = board.slice(0, move) + player + board.slice(move + 1);
  moves.push(`${'ABCD'[move % 4]}${Math.floor(move / 4) + 1}`);
  player = player === 'O' ? 'X' : 'O';
}
for (let r = 0; r < 4; r++) console.log(` ${[...board.slice(r * 4, r * 4 + 4)].join('|')}`);
const w = e.checkWin(board);
console.log(`${w === 'D' ? 'draw' : `${w} wins`} after ${moves.join(' -> ')}`);
