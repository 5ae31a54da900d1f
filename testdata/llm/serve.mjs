// A small OpenAI-compatible chat-completions server over llama.cpp (node-llama-cpp), for the
// delegation tests. It serves one GGUF model on 127.0.0.1, one request at a time, on one CPU
// thread, and never builds llama.cpp (the prebuilt @node-llama-cpp/linux-x64 binary is used).
//
//   node serve.mjs --model PATH [--name NAME] [--port N] [--context-size N] [--max-tokens N]
//                  [--seed N] [--grammar GBNF] [--exit-on-stdin-close]
//
// The same settings can come from LLM_MODEL, LLM_MODEL_NAME, LLM_PORT, LLM_CONTEXT_SIZE,
// LLM_MAX_TOKENS, LLM_SEED and LLM_GRAMMAR. --max-tokens (default 256) and --seed (default:
// random) apply to a request that sets none; a fixed seed makes every answer to the same request
// the same on one machine (the floating-point sums, and so the samples, differ between CPUs).
// --grammar constrains every answer with a llama.cpp GBNF grammar, as llama-server's --grammar
// does; an answer ends when the grammar is complete.
// Port 0 (the default) picks a free port. Once the model is loaded the first line on stdout is
// "listening http://127.0.0.1:PORT". Endpoints: GET /v1/models, GET /v1/models/{id},
// POST /v1/chat/completions (non-streaming) and GET /health. Errors answer
// {"error": {"message", "type", "code"}} with a 4xx or 5xx status. A completion also carries
// llama.cpp-style "timings" of its generation (predicted_n, predicted_ms, predicted_per_second).
import http from "node:http";
import path from "node:path";
import {randomUUID} from "node:crypto";
import {getLlama, LlamaChatSession, GeneralChatWrapper} from "node-llama-cpp";

function parseArgs(argv) {
    const opts = {
        model: process.env.LLM_MODEL ?? "",
        name: process.env.LLM_MODEL_NAME ?? "",
        port: process.env.LLM_PORT ?? "0",
        contextSize: process.env.LLM_CONTEXT_SIZE ?? "",
        maxTokens: process.env.LLM_MAX_TOKENS ?? "256",
        seed: process.env.LLM_SEED ?? "",
        grammar: process.env.LLM_GRAMMAR ?? "",
        exitOnStdinClose: false
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) fatal(`${arg} needs a value`);
            return argv[++i];
        };
        switch (arg) {
            case "--model": opts.model = value(); break;
            case "--name": opts.name = value(); break;
            case "--port": opts.port = value(); break;
            case "--context-size": opts.contextSize = value(); break;
            case "--max-tokens": opts.maxTokens = value(); break;
            case "--seed": opts.seed = value(); break;
            case "--grammar": opts.grammar = value(); break;
            case "--exit-on-stdin-close": opts.exitOnStdinClose = true; break;
            default: fatal(`unknown argument ${arg}`);
        }
    }
    if (opts.model === "") fatal("no model: pass --model PATH or set LLM_MODEL");
    if (opts.name === "") opts.name = path.basename(opts.model).replace(/\.gguf$/i, "");
    opts.port = Number(opts.port);
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) fatal("bad port");
    return opts;
}

function fatal(message) {
    process.stderr.write(`serve.mjs: ${message}\n`);
    process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const DEFAULT_MAX_TOKENS = Number(opts.maxTokens);
const DEFAULT_SEED = opts.seed === "" ? undefined : Number(opts.seed);
if (!Number.isInteger(DEFAULT_MAX_TOKENS) || DEFAULT_MAX_TOKENS < 1) fatal("bad --max-tokens");
if (DEFAULT_SEED !== undefined && !Number.isInteger(DEFAULT_SEED)) fatal("bad --seed");

if (opts.exitOnStdinClose) {
    process.stdin.on("end", () => process.exit(0));
    process.stdin.on("error", () => process.exit(0));
    process.stdin.resume();
}
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: opts.model, gpuLayers: 0});
const contextSize = opts.contextSize !== "" ? Number(opts.contextSize) : Math.min(model.trainContextSize, 8192);
const context = await model.createContext({contextSize, threads: 1, sequences: 1});
const sequence = context.getSequence();
const grammar = opts.grammar === "" ? undefined : await llama.createGrammar({grammar: opts.grammar});
const chatWrapper = new GeneralChatWrapper();
const created = Math.floor(Date.now() / 1000);

class HTTPError extends Error {
    constructor(status, type, message, code = null) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
    }
}

function sendJSON(res, status, body) {
    const data = JSON.stringify(body);
    res.writeHead(status, {"Content-Type": "application/json", "Content-Length": Buffer.byteLength(data)});
    res.end(data);
}

function sendError(res, err) {
    if (err instanceof HTTPError) {
        sendJSON(res, err.status, {error: {message: err.message, type: err.type, code: err.code}});
        return;
    }
    process.stderr.write(`serve.mjs: ${err?.stack ?? err}\n`);
    sendJSON(res, 500, {error: {message: String(err?.message ?? err), type: "server_error", code: null}});
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on("data", (chunk) => {
            size += chunk.length;
            if (size > 8 << 20) {
                reject(new HTTPError(413, "invalid_request_error", "request body too large"));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

// contentText flattens a message's content: a string, or an array of parts of which the text
// parts are kept.
function contentText(content) {
    if (content == null) return "";
    if (typeof content === "string") return content;
    if (Array.isArray(content)) {
        return content.map((part) => {
            if (typeof part === "string") return part;
            if (part && part.type === "text" && typeof part.text === "string") return part.text;
            throw new HTTPError(400, "invalid_request_error", `unsupported content part type ${JSON.stringify(part?.type)}`);
        }).join("");
    }
    throw new HTTPError(400, "invalid_request_error", "message content must be a string or an array of parts");
}

// toChatHistory turns OpenAI messages into node-llama-cpp chat history items. Tool results and
// the assistant's tool calls become plain text, since the tiny model knows no tool format.
function toChatHistory(messages) {
    if (!Array.isArray(messages) || messages.length === 0)
        throw new HTTPError(400, "invalid_request_error", "messages must be a non-empty array");
    return messages.map((m, i) => {
        if (m == null || typeof m !== "object")
            throw new HTTPError(400, "invalid_request_error", `messages[${i}] is not an object`);
        const text = contentText(m.content);
        switch (m.role) {
            case "system":
            case "developer":
                return {type: "system", text};
            case "user":
                return {type: "user", text};
            case "tool":
                return {type: "user", text: `Tool result${m.tool_call_id ? ` (${m.tool_call_id})` : ""}: ${text}`};
            case "assistant": {
                let response = text;
                for (const call of m.tool_calls ?? [])
                    response += `\nTool call: ${call?.function?.name ?? ""}(${call?.function?.arguments ?? ""})`;
                return {type: "model", response: [response]};
            }
            default:
                throw new HTTPError(400, "invalid_request_error", `messages[${i}].role ${JSON.stringify(m.role)} is not supported`);
        }
    });
}

function countPromptTokens(history) {
    const {contextText} = chatWrapper.generateContextState({chatHistory: [...history, {type: "model", response: []}]});
    return contextText.tokenize(model.tokenizer).length;
}

async function chatCompletion(body) {
    if (body == null || typeof body !== "object" || Array.isArray(body))
        throw new HTTPError(400, "invalid_request_error", "the body must be a JSON object");
    if (body.stream === true)
        throw new HTTPError(400, "invalid_request_error", "streaming is not supported by this server");
    if (body.model != null && body.model !== opts.name)
        throw new HTTPError(404, "invalid_request_error", `The model '${body.model}' does not exist`, "model_not_found");
    if (body.n != null && body.n !== 1)
        throw new HTTPError(400, "invalid_request_error", "only n=1 is supported");
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(maxTokens) || maxTokens < 1)
        throw new HTTPError(400, "invalid_request_error", "max_tokens must be a positive integer");
    const temperature = body.temperature ?? 1;
    if (typeof temperature !== "number" || temperature < 0 || temperature > 2)
        throw new HTTPError(400, "invalid_request_error", "temperature must be a number between 0 and 2");
    if (body.top_p != null && (typeof body.top_p !== "number" || body.top_p <= 0 || body.top_p > 1))
        throw new HTTPError(400, "invalid_request_error", "top_p must be a number in (0, 1]");
    const stop = body.stop == null ? [] : (Array.isArray(body.stop) ? body.stop : [body.stop]);
    if (!stop.every((s) => typeof s === "string" && s !== ""))
        throw new HTTPError(400, "invalid_request_error", "stop must be a string or an array of strings");

    const history = toChatHistory(body.messages);
    const last = history[history.length - 1];
    if (last.type !== "user")
        throw new HTTPError(400, "invalid_request_error", "the last message must come from the user or a tool");
    const promptTokens = countPromptTokens(history);
    if (promptTokens + 1 > contextSize)
        throw new HTTPError(400, "invalid_request_error",
            `This model's maximum context length is ${contextSize} tokens; the messages have ${promptTokens}`,
            "context_length_exceeded");

    await sequence.clearHistory();
    const session = new LlamaChatSession({contextSequence: sequence, chatWrapper, autoDisposeSequence: false});
    try {
        session.setChatHistory([...history.slice(0, -1)]);
        // The sequence's token meter counts every sampled token, including ones the session holds
        // back from onToken (such as an incomplete UTF-8 sequence at the end).
        const meter = sequence.tokenMeter;
        const outputBefore = meter.usedOutputTokens;
        let streamedTokens = 0;
        const started = performance.now();
        const result = await session.promptWithMeta(last.text, {
            maxTokens: Math.min(maxTokens, contextSize),
            temperature,
            topP: body.top_p ?? undefined,
            // The whole vocabulary, as a plain sampler at this temperature would: a top-k cut
            // would drop the end of text of the tiny model, whose logits are all near zero.
            topK: Number.isInteger(body.top_k) ? body.top_k : 0,
            seed: Number.isInteger(body.seed) ? body.seed : DEFAULT_SEED,
            customStopTriggers: stop.length > 0 ? stop : undefined,
            grammar,
            onToken: (tokens) => { streamedTokens += tokens.length; }
        });
        const seconds = (performance.now() - started) / 1000;
        const completionTokens = Math.max(meter.usedOutputTokens - outputBefore, streamedTokens);
        return {
            id: `chatcmpl-${randomUUID()}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: opts.name,
            choices: [{
                index: 0,
                message: {role: "assistant", content: result.responseText},
                logprobs: null,
                finish_reason: result.stopReason === "maxTokens" ? "length" : "stop"
            }],
            usage: {
                prompt_tokens: promptTokens,
                completion_tokens: completionTokens,
                total_tokens: promptTokens + completionTokens
            },
            timings: {predicted_n: completionTokens, predicted_ms: seconds * 1000, predicted_per_second: completionTokens / seconds}
        };
    } finally {
        session.dispose({disposeSequence: false});
    }
}

// Requests are served one at a time: each one waits for the one before it.
let queue = Promise.resolve();
function enqueue(fn) {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
}

function modelObject() {
    return {id: opts.name, object: "model", created, owned_by: "llama.cpp"};
}

const server = http.createServer(async (req, res) => {
    try {
        const url = new URL(req.url, "http://127.0.0.1");
        const route = url.pathname.replace(/\/+$/, "");
        if (route === "/v1/models" || route === "/models") {
            if (req.method !== "GET") throw new HTTPError(405, "invalid_request_error", "use GET");
            sendJSON(res, 200, {object: "list", data: [modelObject()]});
            return;
        }
        if (route.startsWith("/v1/models/")) {
            if (req.method !== "GET") throw new HTTPError(405, "invalid_request_error", "use GET");
            const id = decodeURIComponent(route.slice("/v1/models/".length));
            if (id !== opts.name)
                throw new HTTPError(404, "invalid_request_error", `The model '${id}' does not exist`, "model_not_found");
            sendJSON(res, 200, modelObject());
            return;
        }
        if (route === "/v1/chat/completions" || route === "/chat/completions") {
            if (req.method !== "POST") throw new HTTPError(405, "invalid_request_error", "use POST");
            const text = await readBody(req);
            let body;
            try {
                body = JSON.parse(text);
            } catch (err) {
                throw new HTTPError(400, "invalid_request_error", `the body is not valid JSON: ${err.message}`);
            }
            sendJSON(res, 200, await enqueue(() => chatCompletion(body)));
            return;
        }
        if (route === "/health") {
            sendJSON(res, 200, {status: "ok"});
            return;
        }
        throw new HTTPError(404, "invalid_request_error", `no route ${req.method} ${url.pathname}`);
    } catch (err) {
        sendError(res, err);
    }
});

server.listen(opts.port, "127.0.0.1", () => {
    process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
