/**
 * Polls `check` until it holds: queues, workers and child processes run on their own, so a test
 * waits for what they did. A `check` that throws ends the wait with its error.
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  {
    timeoutMs = 10_000,
    intervalMs = 10,
    message = () => 'condition not met in time',
  }: { timeoutMs?: number; intervalMs?: number; message?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
