/**
 * Reading EC2 Query API parameters from a form-encoded body: scalar fields, numbered lists
 * (`RouteTableId.1`, `RouteTableId.2`) and filters (`Filter.1.Name`, `Filter.1.Value.1`).
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
 */
import { clientError } from "./ec2-error.js";

/** The form fields of one request, by name. */
export type QueryParams = ReadonlyMap<string, string>;

/** One `Filter.N`: a name and the values any of which may match. */
export interface QueryFilter {
  readonly name: string;
  readonly values: readonly string[];
}

/** Parses an `application/x-www-form-urlencoded` body into a map (last value wins). */
export function parseForm(body: string): QueryParams {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) params.set(name, value);
  return params;
}

/** The value of `name`, or `undefined`. */
export function optionalParam(params: QueryParams, name: string): string | undefined {
  return params.get(name);
}

/** The value of `name`; throws EC2's `MissingParameter` (400) when absent. */
export function requiredParam(params: QueryParams, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === "") {
    throw clientError("MissingParameter", `The request must contain the parameter ${name}`);
  }
  return value;
}

/** The values of `prefix.1`, `prefix.2`, … in index order. */
export function listParam(params: QueryParams, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`);
  const indexed: Array<[number, string]> = [];
  for (const [name, value] of params) {
    const match = pattern.exec(name);
    if (match) indexed.push([Number(match[1]), value]);
  }
  return indexed.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** The filters `Filter.N.Name` / `Filter.N.Value.M`, in index order. */
export function filtersParam(params: QueryParams): QueryFilter[] {
  const indexes = new Set<number>();
  for (const name of params.keys()) {
    const match = /^Filter\.(\d+)\./.exec(name);
    if (match) indexes.add(Number(match[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((index) => ({
      name: requiredParam(params, `Filter.${index}.Name`),
      values: listParam(params, `Filter.${index}.Value`),
    }));
}

/**
 * `MaxResults` as an integer in `[min, max]`, or `undefined` when absent.
 * Throws `InvalidParameterValue` (400) when out of range, as EC2 does.
 */
export function maxResultsParam(params: QueryParams, min: number, max: number): number | undefined {
  const text = params.get("MaxResults");
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw clientError(
      "InvalidParameterValue",
      `Value ( ${text} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return value;
}

/** A boolean parameter (`true`/`false`), or `undefined` when absent. */
export function booleanParam(params: QueryParams, name: string): boolean | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  if (text === "true") return true;
  if (text === "false") return false;
  throw clientError(
    "InvalidParameterValue",
    `Value (${text}) for parameter ${name} is invalid. Expected a boolean.`,
  );
}
