/** The vote writer: writes only on a change of view, carrying the trace context of the change. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { ClusterStore } from "../../src/cluster/cluster-store.js";
import type { Session } from "../../src/cluster/session.js";
import type { Vote } from "../../src/domain/vote.js";
import { activeTraceparent, inProbeViewSpan } from "../../src/replica/trace-links.js";
import { VotePublisher } from "../../src/replica/vote-publisher.js";
import { captureSpans } from "../support/span-capture.js";
import { waitFor } from "../support/wait.js";

describe("VotePublisher", () => {
  it("a vote carries the traceparent of the probe span that changed the view; the same view is not written again", async () => {
    const { exporter, telemetry } = captureSpans();
    try {
      const written: Vote[] = [];
      const store = { putVote: async (_s: Session, _id: string, vote: Vote) => void written.push(vote) };
      const votes = new VotePublisher(store as unknown as ClusterStore, "a", pino({ level: "silent" }));
      votes.reset({ isLost: false } as unknown as Session);
      inProbeViewSpan(["10.0.0.1"], () => votes.publish(["10.0.0.1"], "3"));
      await waitFor(() => written.length === 1, { timeoutMs: 2000 });
      const [span] = exporter.getFinishedSpans();
      assert.equal(span?.name, "probe.view_changed");
      assert.match(
        written[0]?.traceparent ?? "",
        new RegExp(`^00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01$`),
      );
      // The same view again, from another span: no write (the trace context is not part of the view).
      inProbeViewSpan(["10.0.0.1"], () => votes.publish(["10.0.0.1"], "3"));
      votes.publish(["10.0.0.1", "10.0.0.2"], "3");
      await waitFor(() => written.length === 2, { timeoutMs: 2000 });
      assert.deepEqual(written[1]?.failed, ["10.0.0.1", "10.0.0.2"]);
      assert.equal(written[1]?.traceparent, undefined, "no span was active");
    } finally {
      await telemetry.shutdown();
    }
  });

  it("a refresh publishing the same view outside any span keeps the context that formed it", async () => {
    const { telemetry } = captureSpans();
    try {
      const written: Vote[] = [];
      let release: () => void = () => undefined;
      const firstWrite = new Promise<void>((resolve) => {
        release = resolve;
      });
      const store = {
        putVote: async (_s: Session, _id: string, vote: Vote) => {
          if (written.length === 0) await firstWrite;
          written.push(vote);
        },
      };
      const votes = new VotePublisher(store as unknown as ClusterStore, "a", pino({ level: "silent" }));
      votes.reset({ isLost: false } as unknown as Session);
      votes.publish(["10.0.0.9"], "3"); // a write in flight
      let formed: string | undefined;
      inProbeViewSpan(["10.0.0.1"], () => {
        formed = activeTraceparent();
        votes.publish(["10.0.0.1"], "3");
      });
      votes.publish(["10.0.0.1"], "3"); // the next refresh, before the queued write ran
      release();
      await waitFor(() => written.length === 2, { timeoutMs: 2000 });
      assert.deepEqual(written[1]?.failed, ["10.0.0.1"]);
      assert.ok(formed);
      assert.equal(written[1]?.traceparent, formed);
    } finally {
      await telemetry.shutdown();
    }
  });
});
