// Package delegate sends work to local models: an OpenAI-compatible chat-completions client for
// llama-swap, Ollama, llama.cpp's server, LM Studio, vLLM or a paid remote API, with providers
// tried in order, and the two things the coordinator delegates: code to a specification
// ([Client.Code]) and a whole task done by a snippet that the model writes and the coordinator
// checks and runs ([Client.Task]).
//
// # Providers
//
// A [Config] lists providers in the order to try them: local, then free, then paid. Each has a
// model per [Tier] (quality, fast), a concurrency limit (default 1: a local server generates one
// answer at a time, so more requests wait here rather than pile up there), a connect timeout
// (5 s) and a request timeout per tier (180 s for quality: a cold model swap behind llama-swap
// can take minutes), and, for a paid provider, a [Price]. [Config.WithEnv] puts the provider of
// LOCAL_LLM_BASE_URL, LOCAL_LLM_MODEL_QUALITY, LOCAL_LLM_MODEL_FAST and LOCAL_LLM_API_KEY first.
//
// # Failure is one line
//
// Whatever goes wrong with a provider (transport, timeout, a dropped connection, a non-2xx
// answer with any error body, a 200 that is not JSON or holds an error, no choices, empty
// output, an answer cut at max_tokens, an unterminated <think>), the next one is tried; when
// none is left the error is a [*Failure], whose text is "DELEGATION_FAILED: <reason>" on one
// line, so that the planner does the work itself. Reasoning (reasoning_content, reasoning,
// <think>...</think>) never reaches the answer. The model an answer names is kept beside the
// one asked for: LM Studio answers an unknown name with whatever model is loaded.
//
// # The ledger
//
// With Options.Ledger set, each Code and Task appends one line: tier, provider, the models asked
// for and answering, tokens in and out (o200k estimates, marked, when a server sends no usage;
// a failed answer's tokens count too), attempts, fallbacks, cost at a paid provider's price, and
// the reason of a failure.
package delegate
