"""one home for every limit the package enforces; the dashboard narrows some, by name, in
app/settings.py (a range written twice is where two answers start to differ)."""

MAX_DEPTH = 500  # blocks in an mlp
MAX_WIDTH = 4096  # units per block, and the input and output sizes
MAX_SEED = 2**32 - 1  # what torch.manual_seed takes from every api
MAX_LR = 1e10  # above ~1e38 the optimisers' float32 step itself overflows (a RuntimeError)
MAX_STEPS = 100_000  # training steps, and the callback interval
MAX_CONV_BLOCKS = 32  # blocks in a conv net for the 8x8 digits (two convolutions each)
MAX_EPOCHS = 100  # passes over the digits' training set
MAX_LAYERS = 32  # blocks in the tiny transformer
