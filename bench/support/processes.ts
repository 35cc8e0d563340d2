/** The child processes a benchmark runs: start-and-wait-for-ready, CPU used, stop all on exit. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export { freePort } from '../../src/core/net.js';

const children: ChildProcess[] = [];

/** Starts a process and resolves with the first stdout line `ready` accepts; rejects if it exits first. */
export function startProcess(command: string, argv: string[], ready: (line: string) => boolean, env: NodeJS.ProcessEnv = {}): Promise<{ line: string; pid: number }> {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIMPUL_LOG_LEVEL: 'warn', ...env } });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (ready(line)) resolve({ line, pid: child.pid! });
    });
    child.once('exit', (code) => reject(new Error(`${command} ${argv.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

/** Keeps a process that needs no readiness line (nginx) on the list stopped at exit. */
export function adopt(child: ChildProcess): void {
  children.push(child);
}

export function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopAll);

/**
 * CPU seconds (user + system) a process has used so far, from /proc; undefined where there is
 * no /proc. The clock tick is 100 Hz on Linux x86-64 and arm64.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
