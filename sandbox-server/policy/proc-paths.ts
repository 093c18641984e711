import path from 'node:path/posix';

/**
 * Whether the kernel would put this directory under /proc. "//proc", "/./proc" and "/x/../proc"
 * all count: the engine passes a working directory on as written, and runc resolves it.
 * (A symlink in the image can still lead there; the engine's patched runc is what holds then,
 * and the server refuses an engine whose runc lacks the fix, see engine/runc-check.ts.)
 */
export function underProc(directory: string): boolean {
  const clean = path.normalize(`/${directory}`);
  return clean === '/proc' || clean.startsWith('/proc/');
}

export const PROC_REFUSAL = "the working directory can't be under /proc here: it belongs to the kernel; pick a folder such as /app";
