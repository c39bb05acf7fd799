import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skipviz.core.sequences import held_out, make_sequences, train_sequences
from skipviz.core.transformer import PostLNBlock, PreLNBlock, make_transformer


def _attention_by_hand(m, x):
    # the same attention through pytorch's own scaled_dot_product_attention
    B, T, C = x.shape
    q, k, v = m.qkv(x).split(C, dim=2)
    heads = [t.view(B, T, m.heads, C // m.heads).transpose(1, 2) for t in (q, k, v)]
    y = F.scaled_dot_product_attention(*heads)
    return m.proj(y.transpose(1, 2).reshape(B, T, C))


@pytest.mark.parametrize("placement", ["pre", "post"])
def test_blocks_match_a_functional_rewrite(placement):
    net = make_transformer(2, placement, d_model=16, heads=4)
    x = torch.randn(3, 8, 16)
    for block in net.blocks:
        attn = _attention_by_hand(block.attn, x if placement == "post" else block.ln1(x))
        if placement == "pre":
            h = x + attn
            expected = h + block.mlp.proj(F.gelu(block.mlp.fc(block.ln2(h))))
        else:
            h = F.layer_norm(x + attn, (16,), block.ln1.weight, block.ln1.bias)
            expected = F.layer_norm(h + block.mlp.proj(F.gelu(block.mlp.fc(h))), (16,),
                                    block.ln2.weight, block.ln2.bias)
        torch.testing.assert_close(block(x), expected)
        x = expected


def test_both_placements_start_from_the_same_weights():
    torch.manual_seed(4)
    pre = make_transformer(3, "pre")
    torch.manual_seed(4)
    post = make_transformer(3, "post")
    post_state = post.state_dict()
    for name, value in pre.state_dict().items():
        if not name.startswith("ln_f"):
            torch.testing.assert_close(value, post_state[name], rtol=0, atol=0)
    assert isinstance(pre.blocks[0], PreLNBlock) and isinstance(post.blocks[0], PostLNBlock)


def test_the_stream_is_a_raw_sum_in_pre_ln_and_normalised_in_post_ln():
    x, _ = make_sequences("sort", 32, torch.Generator().manual_seed(0))
    pre, post = make_transformer(4, "pre").stream(x), make_transformer(4, "post").stream(x)
    assert len(pre) == len(post) == 5
    # post-ln: every block hands on a layernormed stream, rms 1 per token
    for h in post[1:]:
        rms = h.pow(2).mean(-1).sqrt()
        torch.testing.assert_close(rms, torch.ones_like(rms), atol=1e-3, rtol=0)
    # pre-ln: the embedding is still in the sum; with a zero branch it passes untouched
    blank = make_transformer(2, "pre")
    for block in blank.blocks:
        for layer in (block.attn.proj, block.mlp.proj):
            torch.nn.init.zeros_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    xs = blank.stream(x)
    torch.testing.assert_close(xs[-1], xs[0])


def test_tasks_give_the_answers_they_name():
    x, y = make_sequences("sort", 16, torch.Generator().manual_seed(1))
    assert torch.equal(y, x.sort(1).values) and x.shape == (16, 8)
    x, y = make_sequences("reverse", 16, torch.Generator().manual_seed(1))
    assert torch.equal(y, x.flip(1))
    a, _ = held_out("sort", 0)
    b, _ = held_out("sort", 0)
    assert torch.equal(a, b) and len(a) == 512


def test_training_records_autograd_gradients_and_learns_to_reverse():
    run = train_sequences(2, "pre", task="reverse", steps=150, lr=3e-3, seed=1)
    # the first batch from the same start, gradients at each block's input by autograd
    torch.manual_seed(1)
    net = make_transformer(2, "pre")
    x, y = make_sequences("reverse", 64, torch.Generator().manual_seed(1))
    h, inputs = net.embed(x), []
    for block in net.blocks:
        inputs.append(h)
        h = block(h)
    loss = F.cross_entropy(net.head(net.ln_f(h)).reshape(-1, 10), y.reshape(-1))
    expected = [g.norm().item() for g in torch.autograd.grad(loss, inputs)]
    np.testing.assert_allclose(run.grad_norms[0], expected, rtol=1e-5)
    assert run.losses[0] == pytest.approx(loss.item(), rel=1e-6)
    assert run.losses[0] == pytest.approx(math.log(10), rel=0.2)  # about chance at step 0
    assert run.token_accuracy > 0.9 and run.sequence_accuracy <= run.token_accuracy
    again = train_sequences(2, "pre", task="reverse", steps=150, lr=3e-3, seed=1)
    np.testing.assert_array_equal(run.losses, again.losses)


def test_a_huge_learning_rate_is_reported_as_diverged_or_stuck():
    run = train_sequences(2, "post", steps=30, lr=1.0, seed=0)
    assert run.diverged or run.token_accuracy < 0.5
    assert np.isfinite(run.losses).all()


@pytest.mark.parametrize("bad, message", [
    (dict(layers=0), "layers must be in"),
    (dict(placement="sandwich"), "placement must be one of"),
    (dict(task="add"), "task must be one of"),
    (dict(steps=0), "steps must be in"),
    (dict(lr=0.0), "lr must be in"),
    (dict(warmup=-1), "warmup must be in"),
])
def test_train_sequences_refuses_bad_arguments(bad, message):
    kwargs = {"layers": 2, "placement": "pre", **bad}
    with pytest.raises(ValueError, match=message):
        train_sequences(kwargs.pop("layers"), kwargs.pop("placement"), **kwargs)


def test_make_transformer_and_forward_refuse_bad_input():
    with pytest.raises(ValueError, match="d_model must be a multiple of heads=3"):
        make_transformer(2, d_model=32, heads=3)
    net = make_transformer(2)
    with pytest.raises(ValueError, match="idx must be a"):
        net(torch.zeros(2, 8))
    with pytest.raises(ValueError, match=r"tokens in \[0, 10\)"):
        net(torch.full((2, 8), 10))
