// The official `openai` Node SDK against fakeopenai: plain streaming, the
// chat.completions.stream() helper (which checks role, finish_reason and tool-call
// fields strictly) with a tool call, the responses.stream() helper (whose accumulator
// checks item ids), and error envelopes turned into APIError.
import OpenAI from 'openai';
import { API_KEY, run } from './harness.mjs';

const MODEL = 'gpt-4o-mini';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city.',
    strict: true,
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

const client = (baseURL) => new OpenAI({ baseURL, apiKey: API_KEY, maxRetries: 0 });

function caught(error) {
  return {
    raised: true,
    class: error.constructor.name,
    isAPIError: error instanceof OpenAI.APIError,
    status: error.status ?? null,
    message: error.message,
    type: error.type ?? null,
    code: error.code ?? null,
    param: error.param ?? null,
    requestID: error.requestID ?? null,
  };
}

const flows = {
  async stream_text(baseURL) {
    const stream = await client(baseURL).chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello, who are you?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces = [];
    const roles = [];
    const finish = [];
    const ids = new Set();
    const objects = new Set();
    let usage = null;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      objects.add(chunk.object);
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.delta.role) roles.push(choice.delta.role);
        if (choice.delta.content) pieces.push(choice.delta.content);
        if (choice.finish_reason) finish.push(choice.finish_reason);
      }
    }
    return { text: pieces.join(''), pieces, roles, finish, usage, ids: [...ids], objects: [...objects] };
  },

  async stream_helper_tool(baseURL) {
    const runner = client(baseURL).chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    let argumentDeltas = 0;
    runner.on('tool_calls.function.arguments.delta', () => {
      argumentDeltas += 1;
    });
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0];
    return {
      finish_reason: choice.finish_reason,
      role: choice.message.role,
      content: choice.message.content,
      tool_calls: choice.message.tool_calls.map((call) => ({
        id: call.id,
        type: call.type,
        name: call.function.name,
        arguments: call.function.arguments,
        parsed_arguments: call.function.parsed_arguments ?? null,
      })),
      argument_deltas: argumentDeltas,
    };
  },

  async responses_stream_tool(baseURL) {
    const { name, description, parameters, strict } = WEATHER_TOOL.function;
    const stream = client(baseURL).responses.stream({
      model: MODEL,
      input: "What's the weather in Paris?",
      tools: [{ type: 'function', name, description, parameters, strict }],
    });
    const events = [];
    stream.on('event', (event) => events.push(event.type));
    const final = await stream.finalResponse();
    const calls = final.output.filter((item) => item.type === 'function_call');
    return {
      id: final.id,
      status: final.status,
      calls: calls.map((c) => ({ id: c.id, call_id: c.call_id, name: c.name, arguments: c.arguments })),
      events,
      usage: final.usage,
    };
  },

  async error_envelope(baseURL) {
    try {
      await client(baseURL).chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Please trigger an error' }],
      });
      return { raised: false };
    } catch (error) {
      return caught(error);
    }
  },

  async stream_error_event(baseURL) {
    const pieces = [];
    try {
      const stream = await client(baseURL).chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Please fail mid-stream' }],
        stream: true,
      });
      for await (const chunk of stream) {
        for (const choice of chunk.choices) if (choice.delta.content) pieces.push(choice.delta.content);
      }
      return { raised: false, pieces };
    } catch (error) {
      return { ...caught(error), pieces };
    }
  },
};

await run(flows);
