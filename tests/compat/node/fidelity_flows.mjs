// WIRE.md §9 through the official `openai` Node SDK (test_compat_fidelity.py): the
// snapshot an alias answers with, the real header set and the rate-limit headers, the
// obfuscation padding, the parallel tool calls' opener chunk (which the SDK's stream
// helper must still assemble), fresh tool-call ids, and the Responses stream helper
// over the recorded lifecycle.
import OpenAI from 'openai';
import { API_KEY, run } from './harness.mjs';

const client = (baseURL) => new OpenAI({ baseURL, apiKey: API_KEY, maxRetries: 0 });
const ASK = [{ role: 'user', content: 'Tell me a joke' }];
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const flows = {
  async chat(baseURL) {
    const { data, response } = await client(baseURL)
      .chat.completions.create({ model: 'gpt-4o', messages: ASK })
      .withResponse();
    const headers = Object.fromEntries(
      [...response.headers.entries()].filter(([name]) =>
        name.startsWith('x-ratelimit-') || name.startsWith('openai-') || name === 'x-content-type-options'),
    );
    return { model: data.model, fingerprint: data.system_fingerprint, headers };
  },

  async stream(baseURL) {
    const stream = await client(baseURL).chat.completions.create({
      model: 'gpt-5', messages: ASK, stream: true,
    });
    const models = new Set();
    const fingerprints = new Set();
    let padded = 0;
    let chunks = 0;
    let logprobsKeys = 0;
    for await (const chunk of stream) {
      chunks += 1;
      models.add(chunk.model);
      fingerprints.add(chunk.system_fingerprint);
      if (typeof chunk.obfuscation === 'string' && chunk.obfuscation.length > 0) padded += 1;
      if (chunk.choices.some((c) => 'logprobs' in c)) logprobsKeys += 1;
    }
    return { models: [...models], fingerprints: [...fingerprints], padded, chunks, logprobsKeys };
  },

  async parallel(baseURL) {
    const ids = [];
    for (let i = 0; i < 2; i += 1) {
      const runner = client(baseURL).chat.completions.stream({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in both cities' }],
        tools: [WEATHER],
      });
      const final = await runner.finalChatCompletion();
      ids.push(...final.choices[0].message.tool_calls.map((c) => c.id));
    }
    return { ids };
  },

  async responses(baseURL) {
    const stream = client(baseURL).responses.stream({ model: 'gpt-5', input: 'Tell me a joke' });
    const lifecycle = [];
    stream.on('event', (event) => {
      if (event.type.startsWith('response.') && event.response) {
        lifecycle.push({ type: event.type, tier: event.response.service_tier, billing: 'billing' in event.response });
      }
    });
    const final = await stream.finalResponse();
    return {
      model: final.model,
      text: final.output_text,
      phase: final.output[0].phase ?? null,
      reasoning: final.reasoning,
      lifecycle,
    };
  },
};

run(flows);
