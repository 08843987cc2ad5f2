// npm run web's server (scripts/serve.mjs): a malformed URL is the request's fault, not the server's.
import { describe, it, expect } from 'vitest';
import { request } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
// @ts-expect-error: a plain ES module script, no types
import { serve } from '../../scripts/serve.mjs';

const get = (port: number, path: string) => new Promise<number>((resolve, reject) => {
  request({ host: '127.0.0.1', port, path }, (res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  }).on('error', reject).end();
});

describe('npm run web', () => {
  it('answers a malformed escape (/%ZZ) with 400 and keeps serving', async () => {
    const server = (await serve(0)) as Server;
    try {
      const { port } = server.address() as AddressInfo;
      expect(await get(port, '/%ZZ')).toBe(400);
      expect(await get(port, '/')).toBe(200);
      expect(await get(port, '/no-such-file')).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
