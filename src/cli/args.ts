// Command-line conventions shared by every `vchardev` command: Node's util.parseArgs (strict),
// usage errors on stderr with exit 2, user errors as one line (a stack only with --debug).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KernelError } from '../kernel/errno.js';
import { DEFAULT_BUDGET_MS } from '../wasm/player.js';

/** A wrong invocation: unknown command or flag, missing or malformed option. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
/** A user-facing failure with its exit code (a missing file, a device that is not there). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parse() returns: option values by long name, and the positionals. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** parseArgs in strict mode; every mistake becomes a UsageError naming the command. */
export function parse(command: string, argv: string[], options: Options, positionals = false): Parsed {
  // a negative number after an option that takes a value is that value (--rounds -1), which
  // parseArgs would call ambiguous: the option's own check then says what is wrong with it
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const long = a.startsWith('--') ? a.slice(2) : null;
    const opt = long !== null ? options[long] : a.length === 2 && a[0] === '-' ? Object.entries(options).find(([, o]) => o.short === a[1])?.[1] : undefined;
    if (opt?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`--${long ?? Object.keys(options).find((k) => options[k] === opt)}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: positionals, allowNegative: false }) as Parsed;
  } catch (e) {
    // parseArgs explains over several lines; a usage error is one
    const first = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${command}: ${first}`);
  }
}

/** --budget MS: a player file's wall time per move (docs/kxo-ai-abi.md §2), 1..600000, default 1000. */
export function budgetOption(value: string | undefined): number {
  return intOption(value, '--budget', { min: 1, max: 600_000, fallback: DEFAULT_BUDGET_MS });
}

/** An integer option (decimal or 0x hex); `what` names it in the error. */
export function intOption(value: string | undefined, what: string, opts: { min?: number; max?: number; fallback?: number } = {}): number {
  if (value === undefined) {
    if (opts.fallback === undefined) throw new UsageError(`${what} is required`);
    return opts.fallback;
  }
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < (opts.min ?? 0) || n > (opts.max ?? Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${what}: '${value}' is not an integer in ${opts.min ?? 0}..${opts.max ?? 'max'}`);
  }
  return n;
}

/** One line for the user: what failed and why, as a Unix tool would print it. */
export function describeError(e: unknown): string {
  if (e instanceof UsageError || e instanceof CliError) return e.message;
  if (e instanceof KernelError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall) return `${err.path ?? err.syscall}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(e);
}

/** The exit code for an error: 2 for usage, the errno for system errors (nvme-cli style), else 1. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return 2;
  if (e instanceof CliError) return e.code;
  if (e instanceof KernelError) return e.errno & 0xff || 1;
  const errno = (e as NodeJS.ErrnoException)?.errno;
  return typeof errno === 'number' ? Math.abs(errno) & 0xff || 1 : 1;
}

/**
 * Reads a file of at most `max` bytes. A larger file — or one without an end, such as /dev/zero —
 * is a CliError (EFBIG) after max + 1 bytes, never a host that reads until it runs out of memory.
 */
export async function readBounded(path: string, max: number): Promise<Uint8Array> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(max + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > max) throw new CliError(`${path}: larger than ${max} bytes`, 27 /* EFBIG */);
    }
    return buf.slice(0, n);
  } finally {
    await fh.close();
  }
}
