/**
 * EC2-style pagination: `MaxResults` caps a page, `NextToken` (opaque to clients) resumes.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html#api-pagination
 */
import { clientError } from "./ec2-error.js";

/** One page of items and the token for the next page (absent on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

interface TokenBody {
  readonly scope: string;
  readonly offset: number;
}

/**
 * Cuts one page out of `items`.
 * @param scope names the action, so that a token of one action is refused by another
 * @param maxResults page size, or `undefined` for "everything that is left"
 * @param nextToken token from the previous page, or `undefined` for the first page
 * @throws Ec2Error `InvalidPaginationToken` (400) for a token this function did not issue for `scope`
 */
export function paginate<T>(
  items: readonly T[],
  scope: string,
  maxResults: number | undefined,
  nextToken: string | undefined,
): Page<T> {
  const offset = nextToken === undefined ? 0 : decodeToken(nextToken, scope);
  const end = maxResults === undefined ? items.length : Math.min(items.length, offset + maxResults);
  const page = items.slice(offset, end);
  return end < items.length
    ? { items: page, nextToken: encodeToken({ scope, offset: end }) }
    : { items: page };
}

function encodeToken(body: TokenBody): string {
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

function decodeToken(token: string, scope: string): number {
  try {
    const body: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (
      typeof body === "object" &&
      body !== null &&
      "scope" in body &&
      "offset" in body &&
      body.scope === scope &&
      typeof body.offset === "number" &&
      Number.isInteger(body.offset) &&
      body.offset >= 0
    ) {
      return body.offset;
    }
  } catch {
    // fall through to the EC2 error below
  }
  throw clientError("InvalidPaginationToken", "The specified pagination token is not valid or is expired.");
}
