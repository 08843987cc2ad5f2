// `vchardev new-ai DIR [--lang as|c] [--name NAME]`: a complete player to start from
// (docs/kxo-ai-abi.md), in AssemblyScript or C, with its build command and what to run next.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CliError, UsageError, parse } from './args.js';

export const NEW_AI_USAGE = `usage: vchardev new-ai DIR [--lang as|c] [--name NAME]

  writes a kxo player (docs/kxo-ai-abi.md) into DIR (new, or empty) to start your own from: it
  takes a win, blocks a loss, else plays the cell nearest the centre.
  --lang as   AssemblyScript (default): DIR/player.ts
  --lang c    C for clang's wasm32 target: DIR/player.c and DIR/kxo_ai.h
  --name N    the name it plays under (default: DIR's name; letters, digits, space . _ + -, 1..32)
  DIR/README.md says how to build it and play it.`;

/** The build command of each language, as the templates and the README say it. */
export const BUILD = {
  as: 'npx -p assemblyscript@0.28 asc player.ts -o player.wasm --runtime stub -O3 --noAssert',
  c: 'clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o player.wasm player.c',
} as const;

const template = (file: string) => readFileSync(new URL(`../../templates/ai/${file}`, import.meta.url), 'utf8');

export async function newAiMain(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse('new-ai', argv, { lang: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (v.help) {
    console.log(NEW_AI_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('new-ai: name one directory (vchardev new-ai DIR)');
  const dir = resolve(positionals[0]!);
  const lang = (v.lang as string | undefined) ?? 'as';
  if (lang !== 'as' && lang !== 'c') throw new UsageError(`new-ai --lang: 'as' or 'c', not '${lang}'`);
  const name = (v.name as string | undefined) ?? basename(dir);
  if (!/^[\w .+-]{1,32}$/.test(name)) throw new UsageError(`new-ai --name: '${name}' is not 1..32 letters, digits, space, . _ + or -`);
  if (existsSync(dir) && readdirSync(dir).length) throw new CliError(`new-ai: ${dir} is not empty`, 1);
  mkdirSync(dir, { recursive: true });
  if (lang === 'as') {
    const bytes = [...Buffer.from(name, 'utf8')].join(', ');
    writeFileSync(join(dir, 'player.ts'), template('as/player.ts').replace('__KXO_NAME_BYTES__', bytes));
  } else {
    writeFileSync(join(dir, 'player.c'), template('c/player.c').replace('__KXO_NAME__', name));
    writeFileSync(join(dir, 'kxo_ai.h'), readFileSync(new URL('../../include/kxo_ai.h', import.meta.url), 'utf8'));
  }
  writeFileSync(join(dir, 'README.md'), `# ${name}: a kxo player

A WebAssembly player for vchardev's kxo games (the ABI: docs/kxo-ai-abi.md in vchardev).
It takes a win, blocks a loss, else plays the free cell nearest the centre: make it better.

Build it${lang === 'c' ? " (Debian's clang and lld)" : ' (AssemblyScript 0.28)'}:

    ${BUILD[lang]}

Play it against the built-in AIs (each move within --budget ms, 1000 by default):

    npx vchardev tournament --ai random,negamax,mcts,strong,./player.wasm
`);
  console.log(`${lang === 'c' ? 'C' : 'AssemblyScript'} player '${name}' in ${dir}; build it with:\n  cd ${dir} && ${BUILD[lang]}`);
  return 0;
}
