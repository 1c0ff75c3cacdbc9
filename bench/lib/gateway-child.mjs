// What the single-gateway benches (refresh.mjs, publish.mjs) share: a guard that kills their children by PID on
// exit, error, signal or an overall timeout; pinning the generator to CPU 1; and the gateway in a child process on
// CPU 0 (the bench script itself with --gateway-child), spoken to over IPC (see serveRpc in common.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Kills every child in the returned set by PID when this process exits, gets a signal or fails, and fails it after
 * `hardMs` whatever the phases' own bounds missed. Returns the set and `killAll`.
 */
export function guardChildren(name, hardMs) {
  const children = new Set();
  const killAll = () => {
    for (const child of children) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }
    children.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  const fail = (e) => {
    console.error(e);
    killAll();
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  setTimeout(() => fail(new Error(`${name} bench: overall timeout (${hardMs / 1000} s)`)), hardMs).unref();
  return { children, killAll };
}

/** Pins this process (the generator) to CPU 1, as bench/run.mjs does on a 2-core host. @returns whether it could */
export function pinGenerator() {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `script --gateway-child` (on CPU 0 when `pinning`) with `env` and waits for its `ready`; `call(cmd)` talks
 * to it over IPC, `stop()` ends it by PID (SIGTERM, then SIGKILL), `alive()` says whether it still runs.
 */
export async function startGatewayChild({ script, env, pinning, serverArgs, children }) {
  const nodeArgs = ['--import', 'tsx', '--expose-gc', '--max-old-space-size=4096', ...serverArgs];
  nodeArgs.push(script, '--gateway-child');
  const [cmd, args] = pinning ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(cmd, args, {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise((r) => child.once('exit', r));
  const pending = new Map();
  let seq = 0;
  let readyResolve;
  let readyReject;
  const ready = new Promise((resolve, reject) => ((readyResolve = resolve), (readyReject = reject)));
  const readyTimer = setTimeout(() => readyReject(new Error('gateway: not ready in 30 s')), 30_000);
  child.on('message', (m) => {
    if (m?.ready) return (clearTimeout(readyTimer), readyResolve());
    const p = pending.get(m?.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    m.ok ? p.resolve(m.result) : p.reject(new Error(`gateway.${p.cmd}: ${m.error}`));
  });
  child.once('exit', (code, signal) => {
    children.delete(child);
    clearTimeout(readyTimer);
    readyReject(new Error(`gateway exited (${code ?? signal})`));
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`gateway exited during ${p.cmd}`));
    }
    pending.clear();
  });
  const call = (cmd, callArgs = {}, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`gateway.${cmd}: timeout`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer, cmd });
      child.send({ id, cmd, args: callArgs });
    });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {}
    await Promise.race([exited, sleep(3000)]);
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
      await Promise.race([exited, sleep(3000)]);
    }
    children.delete(child);
  };
  await ready;
  const info = await call('info');
  return { call, stop, port: info.port, pid: info.pid, alive: () => child.exitCode === null && !child.signalCode };
}
