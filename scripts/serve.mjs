// A static file server for web/ on loopback (npm run web): the browser page needs http, not file:.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, dirname, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.map': 'application/json' };

/** Serves web/ on 127.0.0.1:port (0 = any free port); resolves with the server. */
export function serve(port = 0) {
  const server = createServer(async (req, res) => {
    let decoded;
    try {
      decoded = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      // a malformed escape (/%ZZ): the request's fault, and the server goes on
      return void res.writeHead(400).end('bad request');
    }
    const path = normalize(decoded).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  let port;
  try {
    const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      console.log('usage: npm run web [-- --port N]   serves the page on http://127.0.0.1:N/ (default 8080, or $PORT)');
      process.exit(0);
    }
    port = Number(values.port ?? process.env.PORT ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: '${values.port}' is not a port number`);
  } catch (e) {
    console.error(`web: ${e.message}`);
    process.exit(2);
  }
  const s = await serve(port).catch((e) => e);
  if (s instanceof Error) {
    console.error(s.code === 'EADDRINUSE' ? `web: port ${port} is busy (another server is on it); try npm run web -- --port ${port + 1}` : `web: ${s.message}`);
    process.exit(1);
  }
  console.log(`vchardev web page: http://127.0.0.1:${s.address().port}/`);
}
