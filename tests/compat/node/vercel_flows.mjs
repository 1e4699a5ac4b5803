// The Vercel AI SDK (`ai` + `@ai-sdk/openai`) against fakeopenai, on the Chat
// Completions model (`provider.chat(...)`): generateText, streamText running a tool to
// an answer, and generateObject with a zod schema. `responses_*` use the provider's
// default model, which speaks the Responses API: text, and a structured Output.object
// (ai v7's replacement for the deprecated generateObject).
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { API_KEY, run } from './harness.mjs';

const MODEL = 'gpt-4o-mini';

const PERSON = z.object({ name: z.string(), born: z.number().int(), languages: z.array(z.string()) });
const ADA = 'Extract the person: Ada Lovelace, born 1815, wrote programs for the Analytical Engine.';

const provider = (baseURL) => createOpenAI({ baseURL, apiKey: API_KEY });

const usageOf = (usage) => ({
  inputTokens: usage?.inputTokens ?? null,
  outputTokens: usage?.outputTokens ?? null,
  totalTokens: usage?.totalTokens ?? null,
});

// streamText with one tool, run until the model answers after the tool's result.
async function streamWeather(model) {
  const calls = [];
  const result = streamText({
    model,
    prompt: "What's the weather in Paris?",
    tools: {
      get_weather: tool({
        description: 'Current weather in a city.',
        inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
        execute: async (input) => {
          calls.push(input);
          return { temperature: 21, unit: input.unit, sky: 'sunny' };
        },
      }),
    },
    stopWhen: stepCountIs(3),
    maxRetries: 0,
  });
  const parts = {};
  const errors = [];
  for await (const part of result.fullStream) {
    parts[part.type] = (parts[part.type] ?? 0) + 1;
    if (part.type === 'error') errors.push(String(part.error?.message ?? part.error));
  }
  const steps = await result.steps;
  return {
    text: await result.text,
    finishReason: await result.finishReason,
    calls,
    steps: steps.map((step) => ({
      finishReason: step.finishReason,
      toolCalls: step.toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, input: c.input })),
      text: step.text,
    })),
    usage: usageOf(await result.totalUsage),
    parts,
    errors,
  };
}

const flows = {
  async generate_text(baseURL) {
    const result = await generateText({
      model: provider(baseURL).chat(MODEL),
      prompt: 'Hello, who are you?',
      maxRetries: 0,
    });
    return {
      text: result.text,
      finishReason: result.finishReason,
      usage: usageOf(result.usage),
      responseId: result.response.id,
      modelId: result.response.modelId,
      timestamp: result.response.timestamp,
    };
  },

  async generate_text_retry(baseURL) {
    const started = performance.now();
    const result = await generateText({
      model: provider(baseURL).chat('flaky-model'),
      prompt: 'Are you there?',
      maxRetries: 2,
    });
    return { text: result.text, ms: Math.round(performance.now() - started) };
  },

  stream_text_tool: (baseURL) => streamWeather(provider(baseURL).chat(MODEL)),

  responses_stream_text_tool: (baseURL) => streamWeather(provider(baseURL)(MODEL)),

  async generate_object(baseURL) {
    const result = await generateObject({
      model: provider(baseURL).chat(MODEL),
      schema: PERSON,
      schemaName: 'person',
      prompt: ADA,
      maxRetries: 0,
    });
    return { object: result.object, finishReason: result.finishReason, usage: usageOf(result.usage) };
  },

  async responses_text(baseURL) {
    const result = await generateText({
      model: provider(baseURL)(MODEL),
      prompt: 'Hello, who are you?',
      maxRetries: 0,
    });
    return { text: result.text, finishReason: result.finishReason, responseId: result.response.id };
  },

  async responses_output_object(baseURL) {
    const result = await generateText({
      model: provider(baseURL)(MODEL),
      output: Output.object({ schema: PERSON, name: 'person' }),
      prompt: ADA,
      maxRetries: 0,
    });
    return { output: result.output, finishReason: result.finishReason, responseId: result.response.id };
  },
};

await run(flows);
