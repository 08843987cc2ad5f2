// The bridge's native parts (native/parts.json): the preload shim, the seccomp supervisor and the
// server's addon. The package's build puts them in build/; an installed package has no build step
// (npm runs no scripts of ours), so they are compiled on first use into a cache of the user's own:
// $XDG_CACHE_HOME/vchardev (else ~/.cache/vchardev, else a 0700 directory of the user's in the
// system's tmpdir). A file there is used only when the directory and the file are the user's and
// nobody else may write them, and a build is written under a temporary name and renamed: nothing
// another user put there is ever loaded into a program.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NativePart = 'shim' | 'supervisor' | 'addon';

interface PartSpec {
  /** its C file, or files (built into one) */
  source: string | string[];
  output: string;
  flags: string[];
  libs: string[];
  /** a package whose include_dir the part compiles against (node-api-headers) */
  include?: string;
}

const WHAT: Record<NativePart, string> = { shim: 'preload shim', supervisor: 'seccomp supervisor', addon: 'server addon' };

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const nativeFile = (f: string) => here(`../../native/${f}`);

/** Whether `path` is a file or directory of ours (or root's) that nobody else may write, and no symlink. */
function trusted(path: string, kind: 'dir' | 'file'): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  const uid = process.getuid?.() ?? 0;
  return (kind === 'dir' ? st.isDirectory() : st.isFile()) && (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0;
}

/**
 * The user's cache directory for native builds, made 0700 if missing; an error when it exists
 * but is not the user's alone (another user could have planted a library in it).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const xdg = env.XDG_CACHE_HOME;
  const home = env.HOME ?? safeHome();
  const candidates = [
    xdg && isAbsolute(xdg) ? join(xdg, 'vchardev') : null,
    home && isAbsolute(home) ? join(home, '.cache', 'vchardev') : null,
    join(tmpdir(), `vchardev-${uid}`),
  ].filter((d): d is string => d !== null);
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      continue; // not writable here (nobody's HOME is /nonexistent): the next place
    }
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid) throw new Error(`vchardev's build cache ${dir} is not a directory of this user's (uid ${uid}): remove it or set XDG_CACHE_HOME`);
    if (st.mode & 0o077) chmodSync(dir, 0o700);
    return dir;
  }
  throw new Error(`no directory for vchardev's build cache (tried ${candidates.join(', ')}): set XDG_CACHE_HOME`);
}

function safeHome(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

function specs(): Record<NativePart, PartSpec> {
  return JSON.parse(readFileSync(nativeFile('parts.json'), 'utf8')) as Record<NativePart, PartSpec>;
}

/** The include directory a part needs besides the system's (node-api-headers for the addon). */
function includeDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  return (require(pkg) as { include_dir: string }).include_dir;
}

const sourcesOf = (spec: PartSpec) => (Array.isArray(spec.source) ? spec.source : [spec.source]);
/** every header in native/ (any part may include any): a change to one is a change to all */
const headers = () => (readdirSync(here('../../native'), { recursive: true }) as string[]).filter((f) => f.endsWith('.h')).sort();

/** The compiler command for a part: [cc, ...args] writing `out`. */
export function compileArgs(part: NativePart, out: string): string[] {
  const spec = specs()[part];
  return [...spec.flags, ...(spec.include ? ['-I', includeDir(spec.include)] : []), '-o', out, ...sourcesOf(spec).map(nativeFile), ...spec.libs];
}

/**
 * A native part: the build's (build/), else the user's cached build of these very sources (named
 * by their hash), else compiled now into that cache.
 * @param opts.build whether the package's build/ counts (tests of the cache turn it off)
 * @param opts.env where XDG_CACHE_HOME and HOME are read
 */
export function ensureNative(part: NativePart, opts: { build?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  if (part === 'supervisor' && process.arch !== 'x64') throw new Error(`the seccomp supervisor is x86-64 only (this is ${process.arch}): a statically linked or Go program cannot be reached here`);
  const spec = specs()[part];
  const built = here(`../../build/${spec.output}`);
  if (opts.build !== false && existsSync(built) && trusted(built, 'file')) return built;
  const srcs = sourcesOf(spec).map(nativeFile);
  const src = srcs[0]!;
  for (const f of srcs) if (!existsSync(f)) throw new Error(`the bridge's source is missing (${f})`);
  const hash = createHash('sha256');
  for (const f of [...srcs, ...headers().map(nativeFile)]) hash.update(readFileSync(f));
  hash.update(JSON.stringify(spec));
  const digest = hash.digest('hex').slice(0, 16);
  const dir = cacheDir(opts.env);
  const out = join(dir, `${digest}-${spec.output}`);
  if (existsSync(out)) {
    if (trusted(out, 'file')) return out;
    throw new Error(`${out} is not this user's own file: remove it`);
  }
  const tmp = join(dir, `.${spec.output}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, compileArgs(part, tmp), { stdio: 'pipe' });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    const why = (e as { code?: string }).code === 'ENOENT' ? `no C compiler (${cc})` : String((e as { stderr?: Buffer }).stderr ?? e).split('\n')[0];
    throw new Error(`the bridge needs its ${WHAT[part]}, built from ${src} with a C compiler: ${why}. Install gcc (apt-get install gcc) or set CC`);
  }
  return out;
}

/** An open connection's events, as the addon reports them. */
export const EV_DATA = 1;
export const EV_CLOSED = 2;
/** a sender's process exited (pid, gen) */
export const EV_EXIT = 3;

/** The server addon's functions (native/vchardev-addon.c says what each does). */
export interface Addon {
  listen(path: string, onEvent: (kind: number, conn: number, pid: number, gen: number, uid: number, gid: number, data: Buffer | undefined) => void,
    perProcess: number, perUser: number, total: number): AddonServer | number;
  stop(srv: AddonServer): number;
  send(srv: AddonServer, conn: number, data: Buffer): number;
  close(srv: AddonServer, conn: number): number;
  track(srv: AddonServer, pid: number): number;
  memory(srv: AddonServer, write: 0 | 1, pid: number, gen: number, addr: number, buf: Uint8Array, off: number, len: number): number;
  writable(srv: AddonServer, pid: number, gen: number, addr: number, len: number): boolean;
  writeRuns(srv: AddonServer, pid: number, gen: number, addr: number, buf: Uint8Array, runs: Uint32Array): number;
  creds(srv: AddonServer, pid: number, gen: number): number[] | null;
  alive(srv: AddonServer, pid: number, gen: number): boolean;
}
/** a listening server of the addon's */
export type AddonServer = { readonly __addonServer: unique symbol };

/** The server addon, built or compiled on first use, loaded once per Node process. */
export function loadAddon(): Addon {
  const require = createRequire(import.meta.url);
  return require(ensureNative('addon')) as Addon;
}
