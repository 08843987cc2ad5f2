// The CLI's dispatch in-process (the child-process tests in main.test.ts check the same
// conventions end to end; v8 coverage does not follow child processes).
import { describe, it, expect, vi, afterEach } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { playerPath } from '../helpers/players.js';

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((out += String(t)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((err += String(t)), true));
  vi.spyOn(console, 'log').mockImplementation((...a) => void (out += `${a.join(' ')}\n`));
  return { get out() { return out; }, get err() { return err; } };
}
afterEach(() => vi.restoreAllMocks());

describe('vchardev main() in-process', () => {
  it('help, version, usage errors, tree, ls, dmesg', async () => {
    const io = capture();
    expect(await main(['--help'])).toBe(0);
    expect(await main(['--version'])).toBe(0);
    expect(await main(['frob'])).toBe(2);
    expect(await main(['tree'])).toBe(0);
    expect(await main(['ls'])).toBe(0);
    expect(await main(['dmesg'])).toBe(0);
    expect(await main(['tree', '--help'])).toBe(0);
    expect(await main(['--games', 'x'])).toBe(2);
    expect(io.out).toContain('usage: vchardev');
    expect(io.out).toContain('/dev');
    expect(io.out).toMatch(/\/dev\/kxo\s+c 254:0/);
    expect(io.err).toContain("unknown command 'frob'");
  });
  it('nvme and qat through main()', async () => {
    const io = capture();
    expect(await main(['nvme', 'id-ctrl', '/dev/nvme0', '-o', 'json'])).toBe(0);
    // nvme-cli 2.3's exits: 1 for any failure
    expect(await main(['nvme', 'id-ns', '/dev/nvme0', '-n', '9'])).toBe(1);
    expect(await main(['nvme', '--help'])).toBe(0);
    expect(await main(['nvme'])).toBe(1);
    expect(await main(['qat', '--processes', '2'])).toBe(0);
    expect(await main(['qat', '--type', 'nope'])).toBe(2);
    expect(io.out).toContain('"vid"');
    expect(io.err).toContain('Invalid Namespace or Format(0x400b)');
  });
  it('tournament through main(): table, chart, JSON; usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-t-'));
    const io = capture();
    expect(await main(['tournament', '--ai', 'strong,random', '--games', '2', '--jobs', '0', '--svg', join(dir, 'a.svg'), '--json', join(dir, 'a.json')])).toBe(0);
    expect(io.out).toContain('| strong | 4 |');
    expect(readFileSync(join(dir, 'a.svg'), 'utf8')).toMatch(/^<svg/);
    expect(await main(['tournament', '--help'])).toBe(0);
    expect(await main(['tournament', '--ai', 'strong'])).toBe(2);
    expect(await main(['tournament', '--ai', 'mcts,random', '--board', '5', '--goal', '6'])).toBe(2);
    // kxo's AIs play any shape now
    expect(await main(['tournament', '--ai', 'negamax,random', '--board', '5', '--goal', '4', '--games', '1', '--jobs', '0', '--svg', join(dir, 'b.svg')])).toBe(0);
    expect(io.out).toContain('5x5');
  }, 60_000);
  it('solve through main(): the value, plies and nodes; JSON; usage errors', async () => {
    const io = capture();
    expect(await main(['solve', '--board', '4', '--goal', '4'])).toBe(0);
    expect(io.out).toContain('4x4, 4 in a row, O to move from the empty board: a draw in 16 plies');
    expect(io.out).toMatch(/^[\d,]+ nodes in [\d.]+ s/m);
    expect(await main(['solve', '--board', '5', '--goal', '3', '--position', 'XX...X.O...............O.', '--json'])).toBe(0);
    const last = JSON.parse(io.out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    // O has fewer stones, so O moves: X threatens 2 and 10 at once
    expect(last).toMatchObject({ board: 5, goal: 3, player: 'O', value: 'loss', plies: 2 });
    expect(last.nodes).toBeGreaterThan(0);
    expect(await main(['solve', '--help'])).toBe(0);
    expect(io.out).toContain('usage: vchardev solve');
    expect(await main(['solve', '--board', '4', '--position', 'OX'])).toBe(2);
    expect(await main(['solve', '--player', 'Z'])).toBe(2);
    expect(await main(['solve', '--table-bits', '30'])).toBe(2);
    expect(await main(['solve', '--board', '5', '--goal', '4', '--budget', '1000'])).toBe(1);
    expect(io.err).toContain('solve: not solved within 1000 nodes');
    expect(await main(['solve', '--position', 'OOO             '])).toBe(1);
    expect(io.err).toContain('solve: the game is already over');
  }, 60_000);
  it('tournament with a player file: its name in the table; a refused file is one line and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-p-'));
    const io = capture();
    expect(await main(['tournament', '--ai', `random,${playerPath('first')}`, '--games', '1', '--jobs', '0', '--budget', '500', '--svg', join(dir, 'p.svg')])).toBe(0);
    expect(io.out).toMatch(/\| first \| 2 \|/);
    expect(await main(['tournament', '--ai', `random,${playerPath('v2')}`, '--games', '1', '--jobs', '0', '--svg', join(dir, 'q.svg')])).toBe(2);
    expect(io.err).toContain('kxo_abi_version returns 2 (this host speaks version 1)');
    expect(await main(['tournament', '--ai', 'random,mine.txt'])).toBe(2);
    expect(await main(['tournament', '--ai', `random,${playerPath('first')}`, '--budget', '0'])).toBe(2);
  }, 60_000);
});
