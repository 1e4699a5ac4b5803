// Runs named flows and prints one JSON line per flow: {ok, flow, result | error, blocked}.
//   node <script>.mjs FLOW BASE_URL   one flow, then exit (for a person debugging)
//   node <script>.mjs                 worker: one "FLOW BASE_URL" line in on stdin, one
//                                     JSON line out, until stdin closes (tests/compat/workers.py)
// An unexpected exception is reported with its stack, never hidden.
import readline from 'node:readline';
import { blocked } from './netguard.mjs';

export const API_KEY = 'sk-fakeopenai';

export function describeError(error) {
  return {
    name: error?.constructor?.name ?? typeof error,
    message: String(error?.message ?? error),
    status: error?.status ?? error?.statusCode,
    stack: error?.stack,
  };
}

async function runOne(flows, flow, baseURL) {
  blocked.length = 0;
  try {
    if (!(flow in flows)) throw new Error(`unknown flow ${flow}; known: ${Object.keys(flows)}`);
    const result = await flows[flow](baseURL);
    return { ok: true, flow, result, blocked: [...blocked] };
  } catch (error) {
    return { ok: false, flow, error: describeError(error), blocked: [...blocked] };
  }
}

export async function run(flows) {
  const args = process.argv.slice(2);
  if (args.length === 2) {
    process.stdout.write(`${JSON.stringify(await runOne(flows, ...args))}\n`);
  } else {
    for await (const line of readline.createInterface({ input: process.stdin })) {
      const [flow, baseURL] = line.trim().split(/\s+/);
      if (flow) process.stdout.write(`${JSON.stringify(await runOne(flows, flow, baseURL))}\n`);
    }
  }
  // Keep-alive sockets would hold the process open; stdout (a pipe or a tty) is
  // written synchronously on Linux, so exiting now loses nothing.
  process.exit(0);
}
