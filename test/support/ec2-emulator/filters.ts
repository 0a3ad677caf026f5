/**
 * EC2 filter semantics: values of one filter are OR-ed, filters are AND-ed, values may use the
 * wildcards `*` (any run) and `?` (one character). Unknown filter names are rejected.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html#query-describe-filters
 */
import { clientError } from "./ec2-error.js";
import type { QueryFilter } from "./query-params.js";

/** For each supported filter name, the values an item offers to it. */
export type FilterFields<T> = Readonly<Record<string, (item: T) => readonly string[]>>;

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

/**
 * Keeps the items matching every filter.
 * @throws Ec2Error `InvalidParameterValue` (400) for a filter name not in `fields`
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly QueryFilter[],
  fields: FilterFields<T>,
): T[] {
  const compiled = filters.map((filter) => {
    const field = fields[filter.name];
    if (field === undefined) {
      throw clientError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
    }
    return { field, patterns: filter.values.map(wildcardToRegExp) };
  });
  return items.filter((item) =>
    compiled.every(({ field, patterns }) => {
      const offered = field(item);
      return patterns.some((pattern) => offered.some((value) => pattern.test(value)));
    }),
  );
}
