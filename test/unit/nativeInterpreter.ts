// The interpreter the native-backend tests run on: Debian's python3 with python3-torch.
import * as fs from "node:fs";
import { probeInterpreter, type InterpreterInfo } from "../../src/runner/nativePython";

export const PYTHON = "/usr/bin/python3";

/** Its probe; the suite of `ctx` is skipped (saying why) where it is missing or has no usable torch. */
export async function interpreterOrSkip(ctx: Mocha.Context): Promise<InterpreterInfo> {
  if (!fs.existsSync(PYTHON)) ctx.skip();
  try {
    return await probeInterpreter(PYTHON);
  } catch (e) {
    console.log(`      skipped: ${(e as Error).message}`);
    ctx.skip();
  }
}
