/**
 * The API's bearer token (RFC 6750 section 2.1, `Authorization: Bearer <token>`), compared in
 * constant time and never shown: its `toString` and JSON form are a placeholder.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readSecretFile, SecretFileError } from "../lib/secret-file.js";

/** The shortest token accepted, in characters (a guessable token is no protection). */
export const MIN_TOKEN_LENGTH = 16;

/** A configured bearer token. */
export class BearerToken {
  readonly #digest: Buffer;

  /** @param token - the secret itself (from {@link BearerToken.fromFile} outside tests). */
  constructor(token: string) {
    this.#digest = digest(token);
  }

  /**
   * Reads the token of `api.tokenFile`.
   * @throws SecretFileError (src/lib/secret-file.ts) when the file cannot be read, is empty or the
   *   token is shorter than {@link MIN_TOKEN_LENGTH} or contains white space.
   */
  static fromFile(path: string): BearerToken {
    const token = readSecretFile("api.tokenFile", path, MIN_TOKEN_LENGTH);
    // An Authorization header cannot carry white space inside the token (RFC 6750 b64token).
    if (/\s/.test(token))
      throw new SecretFileError(`api.tokenFile: the token in ${path} contains white space`);
    return new BearerToken(token);
  }

  /**
   * Whether an `Authorization` header carries this token. Both sides are hashed first, so the
   * comparison takes the same time whatever the length or the first wrong character.
   */
  matchesAuthorization(header: string | undefined): boolean {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
    const offered = digest(match?.[1] ?? "");
    return timingSafeEqual(offered, this.#digest) && match !== null;
  }

  toString(): string {
    return "[token]";
  }

  toJSON(): string {
    return "[token]";
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
