# Writes a LLaDA2 GGUF with llama.cpp's own gguf-py writer (independent of this engine), as the
# converter lays it out: names, llada2.* keys, merged experts, F32 vectors/router.
# Usage: python3 write_with_gguf_py.py MODEL_DIR OUT.gguf bf16|q8_0   (see README.md)
import sys, json, struct, glob, numpy as np, gguf
from gguf import GGUFWriter, GGMLQuantizationType as T
src, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]   # mode: bf16 | q8_0
def load(p):
    b = open(p,'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n]); o = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        a, e = v['data_offsets']; raw = b[8+n+a:8+n+e]
        o[k] = ((np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32) if v['dtype']=='BF16' else np.frombuffer(raw, np.float32)).reshape(v['shape'])
    return o
w = {}
for p in glob.glob(src + '/*.safetensors'): w.update(load(p))
c = json.load(open(src + '/config.json'))
g = GGUFWriter(out, 'llada2')
L = c['num_hidden_layers']; P = 'llada2.'
g.add_uint32(P+'block_count', L); g.add_uint32(P+'context_length', c['max_position_embeddings'])
g.add_uint32(P+'embedding_length', c['hidden_size']); g.add_uint32(P+'feed_forward_length', c['intermediate_size'])
g.add_uint32(P+'attention.head_count', c['num_attention_heads']); g.add_uint32(P+'attention.head_count_kv', c['num_key_value_heads'])
g.add_uint32(P+'attention.key_length', c['head_dim']); g.add_uint32(P+'attention.value_length', c['head_dim'])
g.add_float32(P+'attention.layer_norm_rms_epsilon', c['rms_norm_eps']); g.add_float32(P+'rope.freq_base', c['rope_theta'])
g.add_uint32(P+'rope.dimension_count', int(c['head_dim']*c['partial_rotary_factor'])); g.add_string(P+'rope.scaling.type', 'none')
g.add_uint32(P+'leading_dense_block_count', c['first_k_dense_replace']); g.add_uint32(P+'vocab_size', c['vocab_size'])
g.add_uint32(P+'expert_count', c['num_experts']); g.add_uint32(P+'expert_used_count', c['num_experts_per_tok'])
g.add_uint32(P+'expert_group_count', c['n_group']); g.add_uint32(P+'expert_group_used_count', c['topk_group'])
g.add_uint32(P+'expert_gating_func', 2); g.add_float32(P+'expert_weights_scale', c['routed_scaling_factor'])
g.add_bool(P+'expert_weights_norm', True); g.add_uint32(P+'expert_feed_forward_length', c['moe_intermediate_size'])
g.add_uint32(P+'expert_shared_count', c['num_shared_experts']); g.add_uint32(P+'expert_shared_feed_forward_length', c['moe_intermediate_size']*c['num_shared_experts'])
g.add_file_type(7 if mode == 'q8_0' else 32); g.add_quantization_version(2)
g.add_string('tokenizer.ggml.model', 'none'); g.add_uint32('tokenizer.ggml.eos_token_id', c['eos_token_id']); g.add_uint32('tokenizer.ggml.mask_token_id', c['mask_token_id'])
def put(name, a):
    if a.ndim == 1 or name.endswith('ffn_gate_inp.weight'):
        g.add_tensor(name, a.astype(np.float32)); return
    if mode == 'q8_0' and a.shape[-1] % 32 == 0:
        q = gguf.quants.quantize(a.astype(np.float32), T.Q8_0); g.add_tensor(name, q, raw_shape=q.shape, raw_dtype=T.Q8_0)
    else:
        bits = (a.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)  # exact: these values are bf16
        g.add_tensor(name, bits, raw_shape=bits.shape, raw_dtype=T.BF16)
put('token_embd.weight', w['model.word_embeddings.weight'])
for l in range(L):
    p = f'model.layers.{l}.'
    put(f'blk.{l}.attn_norm.weight', w[p+'input_layernorm.weight'])
    put(f'blk.{l}.attn_qkv.weight', w[p+'attention.query_key_value.weight'])
    put(f'blk.{l}.attn_q_norm.weight', w[p+'attention.query_layernorm.weight']); put(f'blk.{l}.attn_k_norm.weight', w[p+'attention.key_layernorm.weight'])
    put(f'blk.{l}.attn_output.weight', w[p+'attention.dense.weight']); put(f'blk.{l}.ffn_norm.weight', w[p+'post_attention_layernorm.weight'])
    if l < c['first_k_dense_replace']:
        for k in ['gate','up','down']: put(f'blk.{l}.ffn_{k}.weight', w[p+f'mlp.{k}_proj.weight'])
    else:
        put(f'blk.{l}.ffn_gate_inp.weight', w[p+'mlp.gate.weight']); g.add_tensor(f'blk.{l}.exp_probs_b.bias', w[p+'mlp.gate.expert_bias'].astype(np.float32))
        for k in ['gate','up','down']:
            put(f'blk.{l}.ffn_{k}_exps.weight', np.stack([w[p+f'mlp.experts.{e}.{k}_proj.weight'] for e in range(c['num_experts'])]))
            put(f'blk.{l}.ffn_{k}_shexp.weight', w[p+f'mlp.shared_experts.{k}_proj.weight'])
put('output_norm.weight', w['model.norm.weight']); put('output.weight', w['lm_head.weight'])
g.write_header_to_file(); g.write_kv_data_to_file(); g.write_tensors_to_file(); g.close()
print('wrote', out)
