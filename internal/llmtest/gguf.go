// Package llmtest gives the integration tests a real local LLM backend: a tiny llama model with
// random weights, written from scratch as a GGUF file (no model can be downloaded), served by
// llama.cpp through node-llama-cpp behind an OpenAI-compatible HTTP API (testdata/llm/serve.mjs).
// The model loads and generates quickly on one CPU thread; its output is gibberish.
package llmtest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"os"
)

// The tiny model's shape.
const (
	TinyContextLength = 8192
	tinyEmbd          = 32
	tinyLayers        = 2
	tinyHeads         = 4
	tinyHeadsKV       = 4
	tinyFF            = 64
	ggufAlignment     = 32
)

// GGUF value types.
const (
	ggufUint32  = 4
	ggufInt32   = 5
	ggufFloat32 = 6
	ggufBool    = 7
	ggufString  = 8
	ggufArray   = 9
)

// Token types of a llama (SPM) vocabulary.
const (
	tokNormal  = 1
	tokUnknown = 2
	tokControl = 3
	tokByte    = 6
)

// tinyWords are ordinary word pieces, so that the vocabulary is not only bytes.
var tinyWords = []string{
	"▁", "▁the", "▁a", "▁of", "▁and", "▁to", "▁in", "▁is", "▁it", "▁that",
	"▁file", "▁code", "▁test", "▁tool", "▁server", "▁result", "▁error", "▁read", "▁write", "▁list",
	"▁hello", "▁world", "▁yes", "▁no", "▁done", "▁user", "▁assistant", "▁system", ":", ".",
	",", "e", "t", "a", "o", "i", "n", "s", "r", "h",
}

type ggufKV struct {
	key string
	typ uint32
	val any
}

type ggufTensor struct {
	name string
	dims []uint64 // ggml order: dims[0] varies fastest
	data []float32
}

// tinyVocab returns the tokens, scores and token types: <unk>, <s>, </s>, the 256 byte tokens
// (llama.cpp needs every one of them) and some word pieces.
func tinyVocab() (tokens []string, scores []float32, types []int32) {
	add := func(tok string, score float32, typ int32) {
		tokens = append(tokens, tok)
		scores = append(scores, score)
		types = append(types, typ)
	}
	add("<unk>", 0, tokUnknown)
	add("<s>", 0, tokControl)
	add("</s>", 0, tokControl)
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 0, tokByte)
	}
	for i, w := range tinyWords {
		add(w, -float32(i+1), tokNormal)
	}
	return tokens, scores, types
}

// WriteTinyModel writes a tiny llama model with random weights (from seed, so the same seed
// gives the same file) as GGUF v3 to path: 2 layers, 32 embedding dimensions, 4 heads, F32
// tensors and an SPM vocabulary of about 300 tokens. The file is about 180 KB.
func WriteTinyModel(path string, seed int64) error {
	tokens, scores, types := tinyVocab()
	nVocab := uint64(len(tokens))
	rng := rand.New(rand.NewSource(seed))

	kvs := []ggufKV{
		{"general.architecture", ggufString, "llama"},
		{"general.name", ggufString, "tiny-random-llama"},
		{"general.alignment", ggufUint32, uint32(ggufAlignment)},
		{"llama.context_length", ggufUint32, uint32(TinyContextLength)},
		{"llama.embedding_length", ggufUint32, uint32(tinyEmbd)},
		{"llama.block_count", ggufUint32, uint32(tinyLayers)},
		{"llama.feed_forward_length", ggufUint32, uint32(tinyFF)},
		{"llama.attention.head_count", ggufUint32, uint32(tinyHeads)},
		{"llama.attention.head_count_kv", ggufUint32, uint32(tinyHeadsKV)},
		{"llama.rope.dimension_count", ggufUint32, uint32(tinyEmbd / tinyHeads)},
		{"llama.attention.layer_norm_rms_epsilon", ggufFloat32, float32(1e-5)},
		{"tokenizer.ggml.model", ggufString, "llama"},
		{"tokenizer.ggml.tokens", ggufArray, tokens},
		{"tokenizer.ggml.scores", ggufArray, scores},
		{"tokenizer.ggml.token_type", ggufArray, types},
		{"tokenizer.ggml.unknown_token_id", ggufUint32, uint32(0)},
		{"tokenizer.ggml.bos_token_id", ggufUint32, uint32(1)},
		{"tokenizer.ggml.eos_token_id", ggufUint32, uint32(2)},
		{"tokenizer.ggml.add_bos_token", ggufBool, true},
		{"tokenizer.ggml.add_eos_token", ggufBool, false},
	}

	random := func(n uint64, scale float64) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(rng.NormFloat64() * scale)
		}
		return out
	}
	ones := func(n uint64) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = 1
		}
		return out
	}
	const e, ff = uint64(tinyEmbd), uint64(tinyFF)
	kvDim := e / tinyHeads * tinyHeadsKV
	tensors := []ggufTensor{
		{"token_embd.weight", []uint64{e, nVocab}, random(e*nVocab, 1)},
		{"output_norm.weight", []uint64{e}, ones(e)},
	}
	// The output weights are small, so that every logit stays near zero and sampling is
	// nearly uniform; the row of </s> is zero. The end of text then comes after about as many
	// tokens as the vocabulary has (about 300) and rarely first: generations stop on their own.
	output := random(e*nVocab, 0.05)
	for i := uint64(0); i < e; i++ {
		output[2*e+i] = 0
	}
	tensors = append(tensors, ggufTensor{"output.weight", []uint64{e, nVocab}, output})
	for l := 0; l < tinyLayers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		tensors = append(tensors,
			ggufTensor{p + "attn_norm.weight", []uint64{e}, ones(e)},
			ggufTensor{p + "attn_q.weight", []uint64{e, e}, random(e*e, 0.2)},
			ggufTensor{p + "attn_k.weight", []uint64{e, kvDim}, random(e*kvDim, 0.2)},
			ggufTensor{p + "attn_v.weight", []uint64{e, kvDim}, random(e*kvDim, 0.2)},
			ggufTensor{p + "attn_output.weight", []uint64{e, e}, random(e*e, 0.2)},
			ggufTensor{p + "ffn_norm.weight", []uint64{e}, ones(e)},
			ggufTensor{p + "ffn_gate.weight", []uint64{e, ff}, random(e*ff, 0.2)},
			ggufTensor{p + "ffn_up.weight", []uint64{e, ff}, random(e*ff, 0.2)},
			ggufTensor{p + "ffn_down.weight", []uint64{ff, e}, random(ff*e, 0.2)},
		)
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := &ggufWriter{w: bufio.NewWriter(f)}
	w.raw([]byte("GGUF"))
	w.u32(3)
	w.u64(uint64(len(tensors)))
	w.u64(uint64(len(kvs)))
	for _, kv := range kvs {
		w.str(kv.key)
		w.u32(kv.typ)
		w.value(kv.typ, kv.val)
	}
	var offset uint64
	for _, t := range tensors {
		w.str(t.name)
		w.u32(uint32(len(t.dims)))
		for _, d := range t.dims {
			w.u64(d)
		}
		w.u32(0) // GGML_TYPE_F32
		w.u64(offset)
		offset += align(uint64(len(t.data)) * 4)
	}
	w.pad()
	for _, t := range tensors {
		for _, v := range t.data {
			w.u32(math.Float32bits(v))
		}
		w.pad()
	}
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if cerr := f.Close(); w.err == nil {
		w.err = cerr
	}
	if w.err != nil {
		return fmt.Errorf("write tiny model %s: %w", path, w.err)
	}
	return nil
}

func align(n uint64) uint64 {
	return (n + ggufAlignment - 1) / ggufAlignment * ggufAlignment
}

type ggufWriter struct {
	w   *bufio.Writer
	n   uint64
	err error
}

func (w *ggufWriter) raw(b []byte) {
	if w.err != nil {
		return
	}
	_, w.err = w.w.Write(b)
	w.n += uint64(len(b))
}

func (w *ggufWriter) u32(v uint32) { w.raw(binary.LittleEndian.AppendUint32(nil, v)) }
func (w *ggufWriter) u64(v uint64) { w.raw(binary.LittleEndian.AppendUint64(nil, v)) }

func (w *ggufWriter) str(s string) {
	w.u64(uint64(len(s)))
	w.raw([]byte(s))
}

func (w *ggufWriter) pad() {
	if rest := align(w.n) - w.n; rest > 0 {
		w.raw(make([]byte, rest))
	}
}

func (w *ggufWriter) value(typ uint32, v any) {
	switch typ {
	case ggufUint32:
		w.u32(v.(uint32))
	case ggufFloat32:
		w.u32(math.Float32bits(v.(float32)))
	case ggufBool:
		if v.(bool) {
			w.raw([]byte{1})
		} else {
			w.raw([]byte{0})
		}
	case ggufString:
		w.str(v.(string))
	case ggufArray:
		switch a := v.(type) {
		case []string:
			w.u32(ggufString)
			w.u64(uint64(len(a)))
			for _, s := range a {
				w.str(s)
			}
		case []float32:
			w.u32(ggufFloat32)
			w.u64(uint64(len(a)))
			for _, f := range a {
				w.u32(math.Float32bits(f))
			}
		case []int32:
			w.u32(ggufInt32)
			w.u64(uint64(len(a)))
			for _, i := range a {
				w.u32(uint32(i))
			}
		default:
			panic(fmt.Sprintf("gguf: unsupported array %T", v))
		}
	default:
		panic(fmt.Sprintf("gguf: unsupported type %d", typ))
	}
}
