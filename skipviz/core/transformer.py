"""a tiny transformer encoder whose blocks put layernorm before the residual branch (pre-ln,
gpt-2 and most models since) or after the addition (post-ln, vaswani et al. 2017)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_choice, check_int
from .limits import MAX_LAYERS

PLACEMENTS = ("pre", "post")


class SelfAttention(nn.Module):
    """multi-head self-attention over the whole sequence (no mask: every token sees all)."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)  # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))  # (B, nh, T, T)
        att = F.softmax(att, dim=-1)
        y = att @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C): heads side by side
        return self.proj(y)


class FeedForward(nn.Module):
    def __init__(self, d_model: int):
        super().__init__()
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.act = nn.GELU()
        self.proj = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        return self.proj(self.act(self.fc(x)))


class Block(nn.Module):
    """the layers of every block: attention and a feed-forward net, a layernorm for each.
    where the norms sit, and so what the shortcut carries, is the subclass's forward."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = FeedForward(d_model)


class PreLNBlock(Block):
    """x + F(LN(x)): the shortcut carries x untouched, the residual stream is one sum."""

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        x = x + self.mlp(self.ln2(x))
        return x


class PostLNBlock(Block):
    """LN(x + F(x)): the same layers, but every shortcut passes through a layernorm."""

    def forward(self, x):
        x = self.ln1(x + self.attn(x))
        x = self.ln2(x + self.mlp(x))
        return x


class TinyTransformer(nn.Module):
    """token + position embeddings, `layers` blocks, (a final layernorm for pre-ln), a head
    that reads one of `vocab` tokens at every position."""

    def __init__(self, vocab: int, length: int, d_model: int, heads: int, layers: int,
                 placement: str):
        super().__init__()
        block = PreLNBlock if placement == "pre" else PostLNBlock
        self.placement = placement
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(length, d_model)
        self.blocks = nn.ModuleList(block(d_model, heads) for _ in range(layers))
        # a post-ln stream leaves every block normalised already; a pre-ln stream is a raw sum
        self.ln_f = nn.LayerNorm(d_model) if placement == "pre" else nn.Identity()
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx):
        x = self.embed(idx)  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))  # (B, T, vocab)

    def embed(self, idx):
        _check_tokens(idx, self.tok.num_embeddings, self.pos.num_embeddings)
        T = idx.shape[1]
        return self.tok(idx) + self.pos(torch.arange(T, device=idx.device))  # (B, T, C)

    def stream(self, idx) -> list[torch.Tensor]:
        """the residual stream: the embedding, then what each block hands on, (B, T, C) each."""
        with torch.no_grad():
            xs = [self.embed(idx)]
            for block in self.blocks:
                xs.append(block(xs[-1]))
        return xs


def make_transformer(
    layers: int,
    placement: str = "pre",
    d_model: int = 32,
    heads: int = 2,
    vocab: int = 10,
    length: int = 8,
) -> TinyTransformer:
    """a TinyTransformer with pytorch's default init for every layer.

    the layers are the same for both placements and drawn in the same order, so after one
    torch.manual_seed a pre-ln and a post-ln net start from the same weights.
    """
    layers = check_int("layers", layers, 1, MAX_LAYERS)
    check_choice("placement", placement, PLACEMENTS)
    heads = check_int("heads", heads, 1, 16)
    d_model = check_int("d_model", d_model, heads, 1024)
    if d_model % heads:
        raise ValueError(f"d_model must be a multiple of heads={heads}, got {d_model}")
    vocab = check_int("vocab", vocab, 2, 1000)
    length = check_int("length", length, 1, 256)
    return TinyTransformer(vocab, length, d_model, heads, layers, placement)


def _check_tokens(idx, vocab: int, length: int) -> None:
    if not isinstance(idx, torch.Tensor) or idx.ndim != 2 or idx.dtype != torch.long:
        got = (f"{tuple(idx.shape)} {idx.dtype}" if isinstance(idx, torch.Tensor)
               else type(idx).__name__)
        raise ValueError(f"idx must be a (B, T) tensor of int64 tokens, got {got}")
    if idx.shape[1] > length or (idx.numel() and (idx.min() < 0 or idx.max() >= vocab)):
        raise ValueError(f"idx must have T <= {length} tokens in [0, {vocab}), got "
                         f"T = {idx.shape[1]}")
