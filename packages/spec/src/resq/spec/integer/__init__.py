"""resq.spec.integer: the integer arithmetic of resq (contract 1), without torch or pandas.

`qparams` (scale, zero point, integer multipliers), `intops` (round_shift, requantize,
saturate, accumulator widths), `softmax` (the integer softmax), `intmodel` (the IntModel
artifact) and `intref` (the integer reference that every VHDL IP reproduces bit for bit).
Training (resq-qat) writes IntModels; hdlgen, the estimator and deploy read them with numpy
alone.
"""
