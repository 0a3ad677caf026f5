/**
 * EC2 filter semantics: values of one filter are OR-ed, filters are AND-ed, values may use the
 * wildcards `*` (any run) and `?` (one character). Unknown filter names are rejected. Resources
 * with tags also take `tag:<key>` (the tag's value) and `tag-key` (any tag key).
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

/** The tag filters of a resource kind that has tags: `tag:<key>` and `tag-key`. */
function tagField<T>(
  name: string,
  tagsOf: ((item: T) => Readonly<Record<string, string>>) | undefined,
): ((item: T) => readonly string[]) | undefined {
  if (tagsOf === undefined) return undefined;
  if (name === "tag-key") return (item) => Object.keys(tagsOf(item));
  if (!name.startsWith("tag:") || name.length === "tag:".length) return undefined;
  const key = name.slice("tag:".length);
  return (item) => {
    const value = tagsOf(item)[key];
    return value === undefined ? [] : [value];
  };
}

/**
 * Keeps the items matching every filter.
 * @param tagsOf the item's tags, for resources that have them (enables `tag:<key>` and `tag-key`)
 * @throws Ec2Error `InvalidParameterValue` (400) for a filter name not in `fields` (nor a tag filter)
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly QueryFilter[],
  fields: FilterFields<T>,
  tagsOf?: (item: T) => Readonly<Record<string, string>>,
): T[] {
  const compiled = filters.map((filter) => {
    const field = Object.hasOwn(fields, filter.name) ? fields[filter.name] : tagField(filter.name, tagsOf);
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
