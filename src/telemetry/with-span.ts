/**
 * Runs work inside an OpenTelemetry span, so that our own operations (reconcile, EC2 calls, spec
 * loads) appear in traces with their outcome.
 */
import { type Attributes, type Link, type Span, SpanStatusCode, type Tracer } from "@opentelemetry/api";

/**
 * Runs `fn` in a new active span named `name`; the span ends when `fn` settles. A thrown or
 * rejected error is recorded on the span (status ERROR) and rethrown unchanged.
 *
 * @param tracer - e.g. `Telemetry.tracer`.
 * @param name - span name, e.g. `"reconcile"`.
 * @param attributes - span attributes, e.g. `{ "vpcrouter.term": 42 }`.
 * @param fn - the work; receives the span to add attributes or events.
 * @param links - spans of other traces this one follows from (e.g. the votes a quorum tallied).
 * @returns what `fn` returns.
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => T | Promise<T>,
  links: Link[] = [],
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes, links }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
