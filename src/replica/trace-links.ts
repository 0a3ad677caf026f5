/**
 * Trace context across replicas: a vote carries the W3C `traceparent` of the span in which its
 * replica's probes saw the change (https://www.w3.org/TR/trace-context/#traceparent-header), and
 * the leader's quorum confirmation links to those spans, so one trace view shows detection in
 * every zone and the write in one.
 */
import { context, type Link, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { Vote } from "../domain/vote.js";

/** The active context as a `traceparent` value, or undefined when there is none (or no telemetry). */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Links to the spans the voters' votes name (`Vote.traceparent`), for the span that tallies them.
 * @param votes - every live vote by replica id; voters without a valid traceparent are skipped.
 */
export function linksToVotes(votes: ReadonlyMap<string, Vote>, voters: readonly string[]): Link[] {
  return voters.flatMap((voter) => {
    const traceparent = votes.get(voter)?.traceparent;
    if (traceparent === undefined) return [];
    const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
    return spanContext ? [{ context: spanContext, attributes: { "vpcrouter.voter": voter } }] : [];
  });
}

/**
 * Runs `fn` (publishing the new vote) in a `probe.view_changed` span naming the routers this
 * replica now sees failed, so that the vote written carries that span's context.
 */
export function inProbeViewSpan(failed: readonly string[], fn: () => void): void {
  trace
    .getTracer("vpcrouter")
    .startActiveSpan(
      "probe.view_changed",
      { attributes: { "vpcrouter.failed": [...failed].sort() } },
      (span) => {
        try {
          fn();
        } finally {
          span.end();
        }
      },
    );
}
