/**
 * Reads a secret (a password, a token) from a file named by a setting, e.g. a mounted Kubernetes
 * Secret, so that the secret never appears in flags (the process list) or in the configuration.
 */
import { readFileSync } from "node:fs";

/** A secret file that cannot be used; the message names the setting and the path, never the contents. */
export class SecretFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretFileError";
  }
}

/**
 * Reads the secret in `path`: the whole file, less one trailing newline (`echo … > file` writes one).
 *
 * @param setting - the setting that names the file, for messages, e.g. `"api.tokenFile"`.
 * @param path - the file.
 * @param minLength - the shortest secret accepted, in characters (default 1).
 * @returns the secret.
 * @throws SecretFileError when the file cannot be read, is empty, shorter than `minLength` or holds
 *   a line break inside the secret (the message never includes the file's contents).
 */
export function readSecretFile(setting: string, path: string, minLength = 1): string {
  const secret = readSettingFile(setting, path)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (secret.length === 0) throw new SecretFileError(`${setting}: ${path} is empty`);
  if (/[\r\n]/.test(secret)) throw new SecretFileError(`${setting}: ${path} holds more than one line`);
  if (secret.length < minLength) {
    throw new SecretFileError(`${setting}: the secret in ${path} is shorter than ${minLength} characters`);
  }
  return secret;
}

/**
 * Reads the file a setting names (a secret, a PEM key or certificate).
 * @param setting - the setting that names the file, for messages, e.g. `"api.tls.key"`.
 * @returns the file's bytes.
 * @throws SecretFileError `<setting>: cannot read <path> (<code>)` when it cannot be read.
 */
export function readSettingFile(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    throw new SecretFileError(`${setting}: cannot read ${path} (${reason})`);
  }
}
