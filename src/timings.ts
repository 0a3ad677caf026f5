/**
 * Internal timings of the daemon that are not settings: each is a trade-off fixed here, with why.
 * All in milliseconds.
 */

/** Full re-read of the cluster state even without watch events: covers a watch that died silently. */
export const RESYNC_INTERVAL_MS = 2000;

/** Pause between attempts to (re)establish the etcd session while etcd cannot be reached. */
export const SESSION_RETRY_MS = 1000;

/** Delay before a reconcile pass that left work unfinished runs again: doubles, with half jitter, up to 10 s. */
export const RECONCILE_RETRY_DELAY_MS = 2000;

/** Pause between attempts to register the member key while our id is held by an older lease. */
export const MEMBER_REGISTER_RETRY_MS = 500;

/** How long the instance metadata service may take to name the region and VPC at start. */
export const IMDS_TIMEOUT_MS = 2000;

/** How often a session compares the monotonic clock with its lease bound (the `lost` check). */
export const LEASE_EXPIRY_CHECK_MS = 100;

/**
 * The shortest stall of the event loop after which the leader checks its term in etcd again before
 * its next EC2 write (the safety margin when that is longer): shorter stalls are ordinary jitter.
 */
export const LOOP_GAP_MIN_MS = 250;
