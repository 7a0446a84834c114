"""resq.qat.models: the networks resq trains, float and quantized from one definition."""

from resq.qat.models.transformer import EncoderLayer, Transformer

__all__ = ["EncoderLayer", "Transformer"]
