/**
 * The fall/rise state machine of one host (the haproxy/keepalived convention vpc-router also uses):
 * a healthy host becomes failed after `fall` consecutive misses; a failed host becomes healthy
 * after `rise` consecutive successes. Anything short of a threshold changes nothing. Pure.
 */

/** Health of one host as seen by this replica. */
export interface HostHealth {
  readonly healthy: boolean;
  /** Misses in a row (0 after a success). */
  readonly consecutiveFailures: number;
  /** Successes in a row (0 after a miss). */
  readonly consecutiveSuccesses: number;
  /** When the last check finished, ms since the Unix epoch (per the monitor's `now`). */
  readonly lastCheckAt?: number;
  /** Duration of the last check in ms when it succeeded; absent after a miss. */
  readonly lastRttMs?: number;
}

/** Thresholds, both positive integers. */
export interface FallRise {
  readonly fall: number;
  readonly rise: number;
}

/** A host never checked yet: healthy, no history (new hosts get the benefit of the doubt). */
export const NEW_HOST: HostHealth = { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 0 };

/**
 * The state after one more check.
 * @param answered whether the probe got an answer
 * @param at when the check finished (epoch ms)
 * @param rttMs how long the check took (ms)
 */
export function recordCheck(
  state: HostHealth,
  answered: boolean,
  thresholds: FallRise,
  at: number,
  rttMs: number,
): HostHealth {
  if (answered) {
    const consecutiveSuccesses = state.consecutiveSuccesses + 1;
    return {
      healthy: state.healthy || consecutiveSuccesses >= thresholds.rise,
      consecutiveFailures: 0,
      consecutiveSuccesses,
      lastCheckAt: at,
      lastRttMs: rttMs,
    };
  }
  const consecutiveFailures = state.consecutiveFailures + 1;
  return {
    healthy: state.healthy && consecutiveFailures < thresholds.fall,
    consecutiveFailures,
    consecutiveSuccesses: 0,
    lastCheckAt: at,
  };
}
