// The markdown tables of one run (the same numbers as its JSON, for reading): written beside the JSON in
// bench/results/ by bench/run.mjs, and printed by `node bench/report.mjs <run.json> --md`.
import { KIND_NAMES, LG_BOUND, kindsIn, medianOf, runFileName } from './run-data.mjs';

/** Markdown for one run: machine and command, then one section per scenario the run measured. */
export function renderMarkdown(r) {
  const f = (v, d = 1) => (v == null ? '—' : Number(v).toFixed(d));
  const pct = (v, d = 3) => (v == null ? '—' : `${(v * 100).toFixed(d)} %`);
  const ratio = (a, b, d = 2) => (a == null || b == null || b === 0 ? '—' : `${(a / b).toFixed(d)}×`);
  const by = (arr, kind, n) => arr.find((x) => x.kind === kind && x.n === n);
  const L = [];
  L.push(
    '',
    `## Run ${r.startedAt} (${r.label}${!['server/', 'server', 'server/dist/server'].includes(r.gatewayDir) ? `, gateway from ${r.gatewayDir}` : ''})`,
    '',
  );
  L.push(
    `- Machine: ${r.machine.nproc} CPUs (\`nproc\`), ${r.machine.cpu}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, ws ${r.machine.ws}, socket.io ${r.machine.socketio}, commit ${r.machine.commit} (+ working tree)`,
  );
  L.push(`- Command: \`${r.command}\` (total ${r.totalS} s); JSON: \`bench/results/${runFileName(r)}\``);
  if (r.loadAtStart)
    L.push(
      `- Host load average (1/5/15 min) at start ${r.loadAtStart.join(' / ')}, at end ${r.loadAtEnd.join(' / ')} on ${r.machine.nproc} CPUs: other work on the machine competes with the pinned server and load generator; absolute numbers move, same-run ratios less.`,
    );
  L.push(
    `- Server pinned to CPU 0, load generator to CPU 1: ${r.pinning ? 'yes (taskset)' : 'no'}. Loopback only. "LG-bound" = load generator ≥ ${LG_BOUND * 100} % of its core.`,
  );
  if (r.fanout.length) {
    L.push(
      '',
      `### 1. Fanout latency (${r.params.rate} broadcasts/s on each of the 4 topics, ~200 B payload, each client on one topic → ${r.params.rate} msgs/s per client, ${r.params.durationMs / 1000} s measured)`,
      '',
    );
    L.push(
      '| N | server | p50 ms | p95 ms | p99 ms | max ms | p95 from schedule ms | publish rate kept | delivered msg/s | drop rate | loop blocked max ms | loop delay p99 / max ms | server CPU | LG CPU | LG-bound | host load |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const x of r.fanout)
      L.push(
        `| ${x.n} | ${KIND_NAMES[x.kind]}${r.rounds > 1 ? ` (round ${x.round})` : ''} | ${f(x.latency.p50)} | ${f(x.latency.p95)} | ${f(x.latency.p99)} | ${f(x.latency.max)} | ${f(x.latencyScheduled?.p95)} | ${pct(x.keptRate, 1)} | ${x.deliveredPerSec} | ${pct(x.dropRate)} | ${f(x.publishMsMax)} | ${f(x.loopDelayP99)} / ${f(x.loopDelayMax)} | ${f(x.serverCpu, 2)} | ${f(x.loadgenCpu, 2)} | ${x.loadgenBound ? '**yes**' : 'no'} | ${f(x.hostLoad1m, 1)} |`,
      );
    if (r.rounds > 1)
      L.push(
        '',
        `Ratios below compare medians over the ${r.rounds} rounds (p95 medians: ${[...new Set(r.fanout.map((x) => x.n))]
          .map(
            (n) =>
              kindsIn(r.fanout)
                .map((k) => `${KIND_NAMES[k]} ${f(medianOf(r.fanout, k, n, (x) => x.latency.p95))} ms`)
                .join(', ') + ` at ${n}`,
          )
          .join('; ')}).`,
      );
    L.push(
      '',
      '| N | p95 ours / floor | p95 ours / Socket.IO | p95 from schedule ours / floor | ours / Socket.IO | delivered ours / floor | delivered ours / Socket.IO |',
      '|---|---|---|---|---|---|---|',
    );
    for (const n of [...new Set(r.fanout.map((x) => x.n))]) {
      const p95 = (k) => medianOf(r.fanout, k, n, (x) => x.latency.p95);
      const p95q = (k) => medianOf(r.fanout, k, n, (x) => x.latencyScheduled?.p95);
      const rate = (k) => medianOf(r.fanout, k, n, (x) => x.deliveredPerSec);
      L.push(
        `| ${n} | ${ratio(p95('gateway'), p95('raw'))} | ${ratio(p95('gateway'), p95('sio'))} | ${ratio(p95q('gateway'), p95q('raw'))} | ${ratio(p95q('gateway'), p95q('sio'))} | ${ratio(rate('gateway'), rate('raw'))} | ${ratio(rate('gateway'), rate('sio'))} |`,
      );
    }
  }
  if (r.max.length) {
    L.push(
      '',
      `### 2. Maximum throughput (rate steps ${r.params.maxRates.join(', ')} broadcasts/s per topic, ${r.params.maxStepMs / 1000} s each; pass = p95 < 100 ms, 0 drops, publisher kept the rate)`,
      '',
    );
    L.push(
      '| N | server | max passing rate /s | delivered msg/s at it | peak delivered msg/s | first failing step | LG-bound |',
      '|---|---|---|---|---|---|---|',
    );
    for (const x of r.max) {
      const fail = x.steps.find((s) => !s.pass);
      const why = fail
        ? `${fail.rate}/s: p95 ${f(fail.latency.p95)} ms, drop ${pct(fail.dropRate, 2)}, achieved ${fail.achievedRate}/s, srv CPU ${f(fail.serverCpu, 2)}, LG CPU ${f(fail.loadgenCpu, 2)}`
        : 'none (top step passed)';
      L.push(
        `| ${x.n} | ${KIND_NAMES[x.kind]} | ${x.maxRate ?? '—'} | ${x.maxDeliveredPerSec ?? '—'} | ${x.peakDeliveredPerSec ?? '—'} | ${why} | ${x.loadgenBound ? '**yes**' : 'no'} |`,
      );
    }
    L.push('', '| N | max delivered ours / floor | ours / Socket.IO |', '|---|---|---|');
    for (const n of [...new Set(r.max.map((x) => x.n))]) {
      const g = by(r.max, 'gateway', n),
        w = by(r.max, 'raw', n),
        s = by(r.max, 'sio', n);
      L.push(
        `| ${n} | ${ratio(g?.maxDeliveredPerSec, w?.maxDeliveredPerSec)} | ${ratio(g?.maxDeliveredPerSec, s?.maxDeliveredPerSec)} |`,
      );
    }
  }
  if (r.mem.length) {
    L.push(
      '',
      `### 3. Memory (server RSS after GC; N = ${r.params.memN} idle connections, then each subscribed to all 4 topics)`,
      '',
    );
    L.push(
      '| server | RSS base MB | KB RSS / idle conn | KB RSS / subscription | KB / conn with 1 sub | heap KB / conn | heap B / sub |',
      '|---|---|---|---|---|---|---|',
    );
    for (const x of r.mem)
      L.push(
        `| ${KIND_NAMES[x.kind]} | ${f(x.rssBase / 2 ** 20)} | ${f(x.rssPerConnKB, 2)} | ${f(x.rssPerSubKB, 3)} | ${f(x.rssPerConnWith1SubKB, 2)} | ${f(x.heapPerConnKB, 2)} | ${x.heapPerSubB} |`,
      );
    const g = r.mem.find((x) => x.kind === 'gateway'),
      w = r.mem.find((x) => x.kind === 'raw'),
      s = r.mem.find((x) => x.kind === 'sio');
    L.push(
      '',
      `Ratios per idle connection: ours / floor ${ratio(g?.rssPerConnKB, w?.rssPerConnKB)}, ours / Socket.IO ${ratio(g?.rssPerConnKB, s?.rssPerConnKB)}.`,
    );
  }
  if (r.slow) {
    const s = r.slow;
    L.push(
      '',
      `### 4. Slow consumers (gateway, N = ${s.n}, ${s.rate} broadcasts/s per topic, ${s.payloadBytes} B payload so stalled sockets fill their kernel buffers within the run; 1 % stop reading)`,
      '',
    );
    L.push(
      '| phase | healthy p50 / p95 / p99 ms | healthy drop rate | gateway messagesDropped | stalled clients | closed during run | LG CPU |',
      '|---|---|---|---|---|---|---|',
    );
    for (const [name, x] of [
      ['no stall', s.baseline],
      ['1 % stalled', s.stalled],
    ])
      L.push(
        `| ${name} | ${f(x.latency.p50)} / ${f(x.latency.p95)} / ${f(x.latency.p99)} | ${pct(x.dropRate)} | ${x.gatewayDropped} | ${x.stalledClients} | ${x.closedSinceStart} | ${f(x.loadgenCpu, 2)}${x.loadgenBound ? ' (LG-bound)' : ''} |`,
      );
    L.push(
      '',
      `Stalled clients: ${s.stalled.gatewayDropped} of ${s.stalledMessagesExpected} messages dropped (${pct(s.stalledDropShare, 1)}); drops are ${pct(s.dropShareOfAllDeliveries, 3)} of all deliveries. Gateway RSS ${s.rssBeforeMB} MB before, max ${s.rssMaxMB} MB during (bound per stalled connection by the limits ≈ ${s.boundPerStalledMB} MB, buffers shared between connections). RSS samples (s: MB, dropped): ${s.samples.map((x) => `${x.s}: ${x.rssMB}, ${x.dropped}`).join(' · ')}`,
    );
  }
  if (r.storm) {
    const s = r.storm;
    L.push('', `### 5. Reconnect storm (gateway restarted under ${s.n} clients: ${s.client})`, '');
    L.push(
      '| clients | back and resubscribed | all back after | max share of reconnects in one second | ticket requests | peak ticket requests/s | gateway down for |',
      '|---|---|---|---|---|---|---|',
    );
    L.push(
      `| ${s.n} | ${s.backAndResubscribed} | ${s.allBackMs == null ? `not all (last ${s.lastBackMs} ms)` : `${(s.allBackMs / 1000).toFixed(1)} s`} | ${pct(s.maxShareInOneSecond, 1)} | ${s.ticketRequests} | ${s.peakTicketsPerSecond} | ${s.restart.upAfterMs} ms (graceful close ${s.restart.closedMs} ms) |`,
    );
    L.push(
      '',
      `Reconnects per second after the restart: ${Object.entries(s.reconnectsPerSecond)
        .map(([k, v]) => `${k}s: ${v}`)
        .join(', ')}. Ticket requests per second: ${Object.entries(s.ticketsPerSecond)
        .map(([k, v]) => `${k}s: ${v}`)
        .join(', ')}.`,
    );
  }
  if (r.hot?.length) L.push(...hotSection(r, { f, pct, ratio }));
  L.push('');
  return L.join('\n');
}

/** Section 6: one hot topic (issue 20), one table of rows, then same-run ratios of medians per N and rate. */
function hotSection(r, { f, pct, ratio }) {
  const rows = r.hot;
  const probeN = r.params.probeN;
  const L = [
    '',
    `### 6. One hot topic (every client on \`${rows[0].topic}\`, ~200 B payload, a fresh server per row; tail = the ${probeN} probe clients in their own generator process, connected and subscribed after the N)`,
    '',
    '| N | rate /s | server | CPU µs / send | server CPU | loop delay p99 / max ms | tail p50 / p95 / p99 ms | tail p95 from schedule ms | all N p95 / from schedule ms | rate kept | drop rate | KB RSS / idle conn | connect ms (per 1k) | connect CPU µs / conn | LG / probe CPU | LG-bound | host load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const x of rows) {
    const t = x.probe ?? {};
    L.push(
      `| ${x.n} | ${x.rate} | ${KIND_NAMES[x.kind]}${r.rounds > 1 ? ` (round ${x.round})` : ''} | ${f(x.cpuPerSendUs, 2)} | ${f(x.serverCpu, 2)} | ${f(x.loopDelayP99)} / ${f(x.loopDelayMax)} | ${f(t.latency?.p50)} / ${f(t.latency?.p95)} / ${f(t.latency?.p99)} | ${f(t.latencyScheduled?.p95)} | ${f(x.latency.p95)} / ${f(x.latencyScheduled?.p95)} | ${pct(x.keptRate, 1)} | ${pct(x.dropRate)} | ${f(x.rssPerConnKB, 2)} | ${x.connectMs} (${f(x.connectMsPer1k, 0)})${x.connectLoadgenCpu >= LG_BOUND ? ' **LG**' : ''} | ${f(x.connectCpuUsPerConn, 0)} | ${f(x.loadgenCpu, 2)} / ${f(t.loadgenCpu, 3)} | ${x.loadgenBound ? '**yes**' : 'no'} | ${f(x.hostLoad1m, 1)} |`,
    );
  }
  const tickets = rows.filter((x) => x.ticketUs != null).map((x) => x.ticketUs);
  L.push(
    '',
    `CPU µs / send = server CPU from the first broadcast until every message arrived, less the server's idle CPU (heartbeats, timers; measured for ${r.params.hotIdleMs / 1000} s just before) over that time, ÷ (broadcasts × subscribers). Connect CPU µs / conn = server CPU while the N connected ÷ N (handshake, for the gateway the ticket too${tickets.length ? `; verifying one ticket alone: ${f(Math.min(...tickets), 1)}–${f(Math.max(...tickets), 1)} µs` : ''}). "LG-bound": the generator of the N used ≥ ${LG_BOUND * 100} % of its core over the window; **LG** after a connect time: over the connects (the time then says as much about the generator).`,
  );
  const keys = [...new Set(rows.map((x) => `${x.n}|${x.rate}`))].map((k) => k.split('|').map(Number));
  const med = (n, rate, kind, get) =>
    medianOf(
      rows.filter((x) => x.rate === rate),
      kind,
      n,
      get,
    );
  const tailQ = (x) => x.probe?.latencyScheduled?.p95;
  const tail = (x) => x.probe?.latency?.p95;
  L.push(
    '',
    `${r.rounds > 1 ? `Medians over the ${r.rounds} rounds. ` : ''}Ours / floor (and ours / Socket.IO) in the same run:`,
    '',
    '| N | rate /s | CPU / send | server CPU | tail p95 from schedule | tail p95 from send | loop p99 ms ours / floor | RSS / idle conn (ours − floor KB) | connect time |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const [n, rate] of keys) {
    const both = (get) =>
      `${ratio(med(n, rate, 'gateway', get), med(n, rate, 'raw', get))} (${ratio(med(n, rate, 'gateway', get), med(n, rate, 'sio', get))})`;
    const rss = (k) => med(n, rate, k, (x) => x.rssPerConnKB);
    const diff = rss('gateway') != null && rss('raw') != null ? f(rss('gateway') - rss('raw'), 2) : '—';
    L.push(
      `| ${n} | ${rate} | ${both((x) => x.cpuPerSendUs)} | ${both((x) => x.serverCpu)} | ${both(tailQ)} | ${both(tail)} | ${f(med(n, rate, 'gateway', (x) => x.loopDelayP99))} / ${f(med(n, rate, 'raw', (x) => x.loopDelayP99))} | ${both((x) => x.rssPerConnKB)} (${diff}) | ${both((x) => x.connectMs)} |`,
    );
  }
  return L;
}
