// A user of kxo's extension protocol (kxo-games §2–§4) for the tests: ioctl arguments in its
// own memory, events read until EAGAIN.
import { O_NONBLOCK, O_RDWR, type Process } from '../../src/index.js';
import { KXO_GAME_CTL, KXO_GET_BOARD, KXO_GET_INFO, KXO_SET_AI, KXO_SET_PROTO } from '../../src/drivers/kxo/uapi.js';

const dec = (b: Uint8Array) => String.fromCharCode(...b);

/** A user of the protocol: ioctl arguments in its own memory. */
export class Client {
  constructor(readonly p: Process, readonly buf: number, readonly fd: number) {}
  static async open(p: Process, buf: number, flags = O_RDWR | O_NONBLOCK): Promise<Client> {
    return new Client(p, buf, await p.open('/dev/kxo', flags));
  }
  async proto(v: number): Promise<void> {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    this.p.poke(this.buf, b);
    await this.p.ioctl(this.fd, KXO_SET_PROTO, this.buf);
  }
  async info(): Promise<number[]> {
    await this.p.ioctl(this.fd, KXO_GET_INFO, this.buf);
    return [...this.p.peek(this.buf, 4)];
  }
  async board(game: number): Promise<{ turn: string; state: number; winner: string; cells: string; moves: number }> {
    this.p.poke(this.buf, new Uint8Array(72).fill(0x55).fill(game, 0, 1));
    await this.p.ioctl(this.fd, KXO_GET_BOARD, this.buf);
    const b = this.p.peek(this.buf, 72);
    return { turn: String.fromCharCode(b[1]!), state: b[2]!, winner: String.fromCharCode(b[3]!), cells: dec(b.subarray(4, 68)), moves: new DataView(b.buffer, b.byteOffset).getUint32(68, true) };
  }
  async setAi(game: number, side: number, ai: number): Promise<void> {
    this.p.poke(this.buf, Uint8Array.of(game, side, ai, 0));
    await this.p.ioctl(this.fd, KXO_SET_AI, this.buf);
  }
  async ctl(game: number, op: number): Promise<void> {
    this.p.poke(this.buf, Uint8Array.of(game, op, 0, 0));
    await this.p.ioctl(this.fd, KXO_GAME_CTL, this.buf);
  }
  /** Every queued event, as [game, code] pairs. */
  async events(): Promise<Array<[number, number]>> {
    const out: Array<[number, number]> = [];
    for (;;) {
      let n: number;
      try {
        n = await this.p.read(this.fd, this.buf + 8192, 4096);
      } catch (e: any) {
        if (e.code === 'EAGAIN') return out;
        throw e;
      }
      const b = this.p.peek(this.buf + 8192, n);
      for (let i = 0; i < n; i += 2) out.push([b[i]!, b[i + 1]!]);
    }
  }
  async write(text: string): Promise<number> {
    this.p.poke(this.buf + 12288, text);
    return this.p.write(this.fd, this.buf + 12288, text.length);
  }
}
