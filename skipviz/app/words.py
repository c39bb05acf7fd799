"""every word the dashboard shows, in english and chinese; `tr(lang, key, **values)` picks one."""

# ruff: noqa: E501 (a table of sentences reads better unbroken)

from __future__ import annotations

STRINGS = {
    "en": {
        "title": "Skip connections, live",
        "subtitle": ("A real PyTorch network retrains as you move the controls. Without a skip "
                     "connection the gradient fades (or blows up) layer by layer; with "
                     "y = F(x) + α·x it reaches every layer."),
        # controls
        "depth": "depth",
        "depth_text": "type",
        "skip": "skip connection",
        "skip_on": "on: y = F(x) + α·x",
        "skip_off": "off: y = F(x)",
        "alpha": "skip strength α",
        "activation": "activation",
        "init_scale": "init scale",
        "width": "width",
        "dataset": "dataset",
        "steps": "steps",
        "lr": "learning rate",
        "seed": "seed",
        "lang": "language",
        "compare": "compare plain vs residual",
        "data_group": "data and training",
        "net_group": "network",
        "spirals": "spirals", "moons": "moons", "circles": "circles", "xor": "xor",
        "optimizer": "optimizer",
        "norm": "normalisation",
        "norm_none": "none", "norm_batch": "BatchNorm", "norm_layer": "LayerNorm",
        "branch": "branch scale s",
        "branch_standard": "s = 1", "branch_scaled": "s = 1/√L",
        "branch_rezero": "s learnt from 0 (ReZero)", "branch_fixup": "Fixup-style (W = 0)",
        "opt_adam": "Adam", "opt_sgd": "SGD",
        "drawn": "your own points",
        "draw": "click a map to add",
        "draw_clear": "clear points",
        "class_0": "class 0 (green)", "class_1": "class 1 (purple)",
        "pause": "pause", "resume": "resume",
        "step_button": "step ▸",
        "shown_step": "shown step",
        "save_run": "setting + weights (.zip)",
        "save_profile": "gradient profile", "save_loss": "loss", "save_updates": "update sizes",
        "save_heat_plain": "heatmap (left)", "save_heat_skip": "heatmap (right)",
        "save_map_plain": "boundary (left)", "save_map_skip": "boundary (right)",
        "save_diagram": "network diagram",
        "download_wait": "wait until the run is done, then ask again",
        "download_ready": "download skipviz-setting.zip",
        "budget": "{msg}",
        "state_draw": "draw at least one point of each class (click a decision map)",
        "state_paused": "paused at step {step}/{steps}",
        "state_replaying": "replaying… step {step}/{steps}",
        "state_replayed": "done (trained earlier on this server, replayed)",
        "note_adam": ("Adam divides each gradient by its own running size, so even a layer whose "
                      "gradient has vanished takes full-size steps: a plain "
                      "net that fails under Adam fails for another reason. Choose SGD to see a "
                      "vanishing gradient freeze the first layers."),
        "fig_updates": "how far each layer moved ‖W_l − W_l(0)‖ / ‖W_l(0)‖ (● step 1, ┈ shown step)",
        "fig_diagram": "the nets, input at the bottom: line ‖dL/dx_l‖, arc α‖dL/dx_l+1‖",
        # variants
        "plain": "plain (no skip)",
        "residual": "residual (skip)",
        "partial": "skip α={alpha:g}",
        # status line
        "state_busy": "training… step {step}/{steps}",
        "state_starting": "starting…",
        "state_done": "done",
        "state_cached": "done (from cache)",
        "state_diverged": "diverged at step {step}",
        "state_error": "something went wrong: {msg}",
        "status_config": ("depth {depth} · skip {skip} · α={alpha:g} · {activation} · init ×{init_scale:g}"
                          " · width {width} · {dataset} · {steps} steps · lr {lr:g} · {optimizer} · norm {norm} · branch {branch} · seed {seed}"),
        "on": "on", "off": "off",
        "loss_of": "{variant}: loss {loss}",
        "loss_not_finite": "{variant}: loss no longer finite",
        "seconds": "{t:.1f} s",
        # the reading
        "reading_title": "What this run shows",
        "fell": ("{variant}: at the start, the gradient reaching layer 1 is {ratio} the size of the "
                 "one at layer {depth}: it fell by {orders:.1f} orders of magnitude on the way back."),
        "grew": ("{variant}: at the start, the gradient grew by {orders:.1f} orders of magnitude from "
                 "layer {depth} back to layer 1: it explodes."),
        "grew_mild": ("{variant}: at the start, the gradient grew by {orders:.1f} orders of magnitude "
                      "from layer {depth} back to layer 1: larger near the input, but not exploding."),
        "level": ("{variant}: at the start, the gradient stays within {orders:.1f} orders of "
                  "magnitude from layer {depth} back to layer 1: every layer gets a signal to learn from."),
        "underflow": ("{variant}: the gradient reaching layer 1 is exactly 0 in float32: it vanished "
                      "completely on the way back through {depth} layers."),
        "lower_loss": ("{winner} reached the lower training loss: {a} against {b} "
                       "({times} lower)."),
        "same_loss": "Both variants reached about the same loss ({a} and {b}).",
        "stuck": ("{variant} stayed at loss ≈ ln 2 = 0.693: it still guesses 50/50 and has "
                  "learned nothing."),
        "diverged": ("{variant} diverged at step {step}: the loss or a gradient became infinite "
                     "(exploding gradients). Try a smaller init scale or learning rate."),
        "accuracy": "{variant}: {acc:.0f}% of the training points classified correctly.",
        "one_layer": "With one layer there is no depth for the gradient to fade over; try depth 20+.",
        # notes and links
        "share": "link to this setting",
        "defaults": "(all defaults)",
        "note_bad": "Not applied: {msg}",
        "note_query": "From the link: {msg}",
        "note_same": "α = 0 makes the skip variant the plain net: only one run is shown.",
        # figures (shown only when a font with chinese glyphs exists; see plots.py)
        "fig_profile": "gradient norm per layer (● step 0, ┈ latest)",
        "fig_layer": "layer l (input side → output side)",
        "fig_loss": "training loss",
        "fig_step": "step",
        "fig_heat": "‖dL/dx_l‖: {variant}",
        "fig_boundary": "decision boundary: {variant}",
        "fig_layer_short": "layer l",
        "fig_xent": "cross-entropy",
        "fig_cbar": "‖dL/dx_l‖ (black: exactly 0)",
        "fig_no_grad_inf": "no finite gradient at step 0 (float32 overflow)",
        "fig_no_grad_0": "every gradient is exactly 0 at step 0 (underflow)",
    },
    "zh": {
        "title": "跳跃连接，实时演示",
        "subtitle": ("调整下面的控件，一个真实的 PyTorch 网络会立即重新训练。没有跳跃连接时，梯度逐层变小"
                     "（或爆炸）；有了 y = F(x) + α·x，梯度能传到每一层。"),
        "depth": "深度",
        "depth_text": "输入",
        "skip": "跳跃连接",
        "skip_on": "开：y = F(x) + α·x",
        "skip_off": "关：y = F(x)",
        "alpha": "跳跃强度 α",
        "activation": "激活函数",
        "init_scale": "初始化尺度",
        "width": "宽度",
        "dataset": "数据集",
        "steps": "训练步数",
        "lr": "学习率",
        "seed": "随机种子",
        "lang": "语言",
        "compare": "对比普通网络与残差网络",
        "data_group": "数据与训练",
        "net_group": "网络",
        "spirals": "双螺旋", "moons": "双月", "circles": "同心圆", "xor": "异或",
        "optimizer": "优化器",
        "norm": "归一化",
        "norm_none": "无", "norm_batch": "BatchNorm", "norm_layer": "LayerNorm",
        "branch": "分支缩放 s",
        "branch_standard": "s = 1", "branch_scaled": "s = 1/√L",
        "branch_rezero": "s 从 0 学起（ReZero）", "branch_fixup": "Fixup 式（W = 0）",
        "opt_adam": "Adam", "opt_sgd": "SGD",
        "drawn": "自己画的点",
        "draw": "点击决策图添加",
        "draw_clear": "清除所有点",
        "class_0": "第 0 类（绿色）", "class_1": "第 1 类（紫色）",
        "pause": "暂停", "resume": "继续",
        "step_button": "单步 ▸",
        "shown_step": "显示第几步",
        "save_run": "设置 + 权重（.zip）",
        "save_profile": "梯度分布", "save_loss": "损失", "save_updates": "更新大小",
        "save_heat_plain": "热图（左）", "save_heat_skip": "热图（右）",
        "save_map_plain": "决策边界（左）", "save_map_skip": "决策边界（右）",
        "save_diagram": "网络示意图",
        "download_wait": "请等训练完成后再点一次",
        "download_ready": "下载 skipviz-setting.zip",
        "budget": "{msg}",
        "state_draw": "每一类至少画一个点（点击决策图）",
        "state_paused": "已暂停于第 {step}/{steps} 步",
        "state_replaying": "回放中… 第 {step}/{steps} 步",
        "state_replayed": "完成（本服务器之前训练过，此为回放）",
        "note_adam": ("Adam 会把每个梯度除以它自身的滑动平均大小，所以即使某层的梯度已经消失，它仍然迈出"
                      "正常大小的步子：在 Adam 下失败的普通网络另有原因。选择 SGD 可以看到"
                      "消失的梯度让前几层停止学习。"),
        "fig_updates": "每层权重离初值的相对距离 ‖W_l − W_l(0)‖ / ‖W_l(0)‖（● 第 1 步，┈ 显示的步）",
        "fig_diagram": "网络示意，输入在下：直线 ‖dL/dx_l‖，弧线 α‖dL/dx_l+1‖",
        "plain": "普通网络（无跳跃）",
        "residual": "残差网络（有跳跃）",
        "partial": "跳跃强度 α={alpha:g}",
        "state_busy": "训练中… 第 {step}/{steps} 步",
        "state_starting": "开始…",
        "state_done": "完成",
        "state_cached": "完成（来自缓存）",
        "state_diverged": "在第 {step} 步发散",
        "state_error": "出错了：{msg}",
        "status_config": ("深度 {depth} · 跳跃 {skip} · α={alpha:g} · {activation} · 初始化 ×{init_scale:g}"
                          " · 宽度 {width} · {dataset} · {steps} 步 · 学习率 {lr:g} · {optimizer} · 归一化 {norm} · 分支 {branch} · 种子 {seed}"),
        "on": "开", "off": "关",
        "loss_of": "{variant}：损失 {loss}",
        "loss_not_finite": "{variant}：损失已不是有限值",
        "seconds": "{t:.1f} 秒",
        "reading_title": "这次训练说明了什么",
        "fell": ("{variant}：训练开始时，传到第 1 层的梯度只有第 {depth} 层的 {ratio}，"
                 "反向传播途中缩小了 {orders:.1f} 个数量级（梯度消失）。"),
        "grew": ("{variant}：训练开始时，梯度从第 {depth} 层传回第 1 层时增大了 {orders:.1f} 个数量级"
                 "（梯度爆炸）。"),
        "grew_mild": ("{variant}：训练开始时，梯度从第 {depth} 层传回第 1 层时增大了 {orders:.1f} 个数量级："
                      "靠近输入的层梯度更大，但还没有爆炸。"),
        "level": ("{variant}：训练开始时，梯度从第 {depth} 层传回第 1 层，变化不超过 {orders:.1f} "
                  "个数量级：每一层都能收到学习信号。"),
        "underflow": ("{variant}：传到第 1 层的梯度在 float32 中恰好为 0：穿过 {depth} 层后完全消失了。"),
        "lower_loss": "{winner}的训练损失更低：{a} 对 {b}（低 {times}）。",
        "same_loss": "两种网络的损失差不多（{a} 和 {b}）。",
        "stuck": "{variant}的损失停在 ln 2 = 0.693 附近：它仍在五五开地瞎猜，什么也没学到。",
        "diverged": ("{variant}在第 {step} 步发散：损失或梯度变成了无穷大（梯度爆炸）。"
                     "试试更小的初始化尺度或学习率。"),
        "accuracy": "{variant}：训练点的分类正确率为 {acc:.0f}%。",
        "one_layer": "只有一层时，梯度没有可以衰减的深度；试试 20 层以上。",
        "share": "本设置的链接",
        "defaults": "（全部为默认值）",
        "note_bad": "未应用：{msg}",
        "note_query": "来自链接：{msg}",
        "note_same": "α = 0 时跳跃网络就是普通网络：只显示一次训练。",
        "fig_profile": "每层的梯度范数（● 第 0 步，┈ 最新）",
        "fig_layer": "第 l 层（输入端 → 输出端）",
        "fig_loss": "训练损失",
        "fig_step": "步",
        "fig_heat": "‖dL/dx_l‖：{variant}",
        "fig_boundary": "决策边界：{variant}",
        "fig_layer_short": "第 l 层",
        "fig_xent": "交叉熵",
        "fig_cbar": "‖dL/dx_l‖（黑色：恰好为 0）",
        "fig_no_grad_inf": "第 0 步没有有限的梯度（float32 溢出）",
        "fig_no_grad_0": "第 0 步所有梯度都恰好为 0（下溢）",
    },
}


def tr(lang: str, key: str, **values) -> str:
    """the text for `key` in `lang` (english if missing), with `values` filled in."""
    text = STRINGS.get(lang, STRINGS["en"]).get(key) or STRINGS["en"][key]
    return text.format(**values) if values else text


def variant_name(lang: str, alpha: float) -> str:
    if alpha == 0:
        return tr(lang, "plain")
    if alpha == 1:
        return tr(lang, "residual")
    return tr(lang, "partial", alpha=alpha)


def variant_file(alpha: float) -> str:
    """a file name for a variant: plain, residual or skip_0.5."""
    if alpha == 0:
        return "plain"
    if alpha == 1:
        return "residual"
    return f"skip_{alpha:g}"
