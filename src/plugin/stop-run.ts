/** Stopping a plugin's run: its `stop`, awaited for a bounded time, its faults reported. */
import { within } from "../lib/within.js";
import type { PluginRun } from "./api.js";

/** How long a plugin's `stop` may take before the daemon goes on without it, ms. */
export const PLUGIN_STOP_TIMEOUT_MS = 5000;

/**
 * Calls `run.stop()` if there is one and waits for it at most {@link PLUGIN_STOP_TIMEOUT_MS}.
 * Never throws: a throw, rejection or overrun goes to `onFault`.
 */
export async function stopPluginRun(run: unknown, onFault: (error: unknown) => void): Promise<void> {
  if (typeof run !== "object" || run === null) return;
  const stop = (run as PluginRun).stop;
  if (typeof stop !== "function") return;
  try {
    const outcome = await within(
      Promise.resolve().then(() => stop.call(run)),
      PLUGIN_STOP_TIMEOUT_MS,
    );
    if (!outcome.settled) onFault(new Error(`stop did not finish within ${PLUGIN_STOP_TIMEOUT_MS} ms`));
  } catch (error) {
    onFault(error);
  }
}
