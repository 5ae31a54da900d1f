// Package delegate will hold the OpenAI-compatible client for local LLM servers (llama-swap,
// Ollama, llama.cpp, LM Studio, vLLM), the quality/fast tiers and the ledger lines of
// delegate_code and delegate_task. Not built yet.
package delegate
