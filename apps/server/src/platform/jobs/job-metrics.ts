import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TJobSettled, TQueueStats } from '#server/platform/jobs/jobs';

export type TJobMetricsDeps = {
  /** Counts per queue and state (the window figures are not read). */
  counts: () => Promise<TQueueStats[]>;
  deadLetterCount: () => Promise<number>;
  /** Seconds since the oldest event still waiting for dispatch was written (0 when none). */
  outboxLagSeconds: () => Promise<number>;
  logger: Logger;
};

export type JobMetrics = {
  /** Fed by the drivers' onSettled hook: durations and failures of the attempts run here. */
  observe(settled: TJobSettled): void;
  /** Adds the job metrics to the registry `/metrics` serves. */
  register(registry: Registry): void;
};

/**
 * Job and outbox metrics. Durations and failures are counted by the process that ran the job;
 * queue depths, dead letters and outbox lag are read from the queue and database at each scrape,
 * so every process reports the same shared figures.
 */
export function createJobMetrics(deps: TJobMetricsDeps): JobMetrics {
  const guarded = async (what: string, read: () => Promise<void>) => {
    try {
      await read();
    } catch (error) {
      // A failing read leaves the gauge out of this scrape rather than failing /metrics.
      deps.logger.warn({ err: error }, `metrics: reading ${what} failed`);
    }
  };
  const duration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Run time of job attempts, by queue, job and outcome (completed, retrying, dead).',
    labelNames: ['queue', 'name', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [],
  });
  const failures = new Counter({
    name: 'job_failures_total',
    help: 'Failed job attempts, by queue, job and whether the job was dead-lettered.',
    labelNames: ['queue', 'name', 'final'],
    registers: [],
  });
  const depth = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state (waiting, delayed, active, completed, failed).',
    labelNames: ['queue', 'state'],
    registers: [],
    async collect() {
      await guarded('queue depths', async () => {
        const stats = await deps.counts();
        this.reset();
        for (const { queue, counts } of stats) {
          for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
        }
      });
    },
  });
  const deadLetters = new Gauge({
    name: 'dead_letters',
    help: 'Jobs in the dead-letter store, waiting for a retry or a discard.',
    registers: [],
    async collect() {
      await guarded('dead letters', async () => this.set(await deps.deadLetterCount()));
    },
  });
  const outboxLag = new Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest domain event not yet dispatched (0 when none waits).',
    registers: [],
    async collect() {
      await guarded('outbox lag', async () => this.set(await deps.outboxLagSeconds()));
    },
  });
  return {
    observe(settled) {
      const labels = { queue: settled.queue, name: settled.name };
      duration.observe({ ...labels, outcome: settled.outcome }, settled.durationMs / 1000);
      if (settled.outcome !== 'completed') {
        failures.inc({ ...labels, final: String(settled.outcome === 'dead') });
      }
    },
    register(registry) {
      for (const metric of [duration, failures, depth, deadLetters, outboxLag]) {
        registry.registerMetric(metric);
      }
    },
  };
}
