/**
 * Bounded polling for tests: wait on a condition, never sleep a fixed time.
 *
 *   await waitFor(() => audit.records.some((r) => r.event === 'config_reload'), { what: 'the reload' });
 *   const value = await waitFor(async () => (await probe()).ok ? probeValue : undefined);
 *
 * Resolves with the first truthy value; rejects with `what` in the message after `timeoutMs`.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
