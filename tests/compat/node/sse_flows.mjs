// The official `openai` Node SDK and the Vercel AI SDK against each `sse:` wire option
// (SPEC.md §7): one flow per rule of scenarios/sse_options.yaml, named by its model. A
// flow streams the same answer over Chat Completions and the Responses API with each
// client and reports whether each reassembled the text, or the error it raised (the
// cells of docs/reference/sse-options.md's client table).
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { API_KEY, run } from './harness.mjs';

const MODELS = [
  'sse-plain', 'sse-crlf', 'sse-cr', 'sse-comments', 'sse-split-1', 'sse-split-7',
  'sse-coalesce', 'sse-all',
];

async function attempt(action) {
  try {
    return { text: await action() };
  } catch (error) {
    return { error: error?.constructor?.name ?? String(error), message: String(error?.message ?? error) };
  }
}

async function both(baseURL, model) {
  const client = new OpenAI({ baseURL, apiKey: API_KEY, maxRetries: 0, timeout: 10000 });
  const chat = await attempt(async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'say it' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) for (const c of chunk.choices) text += c.delta.content ?? '';
    return text;
  });
  const responses = await attempt(async () => {
    const stream = await client.responses.create({ model, input: 'say it', stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    return text;
  });
  return { chat, responses };
}

async function vercel(baseURL, model) {
  const provider = createOpenAI({ baseURL, apiKey: API_KEY });
  const streamed = async (languageModel) => {
    const errors = [];
    const result = streamText({ model: languageModel, prompt: 'say it', maxRetries: 0,
      onError: ({ error }) => errors.push(error) });
    const text = await result.text;
    if (errors.length) throw errors[0];
    return text;
  };
  return {
    chat: await attempt(() => streamed(provider.chat(model))),
    responses: await attempt(() => streamed(provider.responses(model))),
  };
}

run(Object.fromEntries([
  ...MODELS.map((model) => [model, (baseURL) => both(baseURL, model)]),
  ...MODELS.map((model) => [`vercel:${model}`, (baseURL) => vercel(baseURL, model)]),
]));
