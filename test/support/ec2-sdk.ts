/** The real EC2 SDK client as tests of the emulator use it, and what a failed call says. */
import assert from "node:assert/strict";
import { EC2Client } from "@aws-sdk/client-ec2";

/** A client of the emulator at `url`: one attempt per call (the tests see every error), signing as `accessKeyId`. */
export function emulatorClient(url: string, accessKeyId = "AKIDEMULATORTEST"): EC2Client {
  return new EC2Client({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId, secretAccessKey: "not-a-secret" },
    maxAttempts: 1,
  });
}

/** Runs `call`, expects it to fail, returns the SDK error's code and HTTP status. */
export async function sdkFailure(
  call: Promise<unknown>,
): Promise<{ code: string; status: number | undefined; fault: unknown }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number }; $fault?: unknown };
    return { code: e.name, status: e.$metadata?.httpStatusCode, fault: e.$fault };
  }
  assert.fail("expected the call to fail");
}
